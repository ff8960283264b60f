// Confirmation for every decision: a modal <dialog> (focus moves into it and stays, Escape cancels,
// focus returns to the button that opened it), with an optional comment for the record.
import { h } from './dom';

export interface Confirmation {
  title: string;
  message: string;
  confirmLabel: string;
  /** Ask for a comment, recorded with the decision. */
  comment?: boolean;
  /** Extra controls (a credential kind); their values are read by the caller after confirming. */
  extra?: HTMLElement;
  danger?: boolean;
}

/** Resolves with the comment ('' when none) on confirm, undefined on cancel. */
export function confirmAction(options: Confirmation): Promise<string | undefined> {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  const titleId = `dialog-title-${Math.random().toString(36).slice(2)}`;
  const comment = options.comment ? h('textarea', { id: `${titleId}-comment`, name: 'comment' }) : undefined;
  const confirm = h('button', { type: 'submit', value: 'confirm', class: options.danger ? 'danger' : 'primary' }, options.confirmLabel);
  const cancel = h('button', { type: 'button', value: 'cancel' }, 'Cancel');
  const form = h(
    'form',
    {},
    h('h2', { id: titleId }, options.title),
    h('p', {}, options.message),
    options.extra,
    comment ? h('label', { for: `${titleId}-comment` }, 'Comment (recorded with the decision, optional)') : undefined,
    comment,
    h('div', { class: 'dialog-buttons' }, cancel, confirm),
  );
  const dialog = h('dialog', { 'aria-labelledby': titleId }, form);
  document.body.appendChild(dialog);
  return new Promise((resolve) => {
    let answer: string | undefined;
    cancel.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      answer = comment?.value.trim() ?? '';
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      opener?.focus();
      resolve(answer);
    });
    dialog.showModal();
    (comment ?? confirm).focus();
  });
}
