// A well-formed notification that asks for no action (e.g. an Azure Monitor "resolved" notification).
// The webhook answers 200 and changes nothing, so the sender does not retry it as a failure.
export class AlertAcknowledged extends Error {
  override readonly name = 'AlertAcknowledged';
  constructor(
    readonly shape: string,
    readonly reason: string,
  ) {
    super(`${shape}: ${reason}`);
  }
}
