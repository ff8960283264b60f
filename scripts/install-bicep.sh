#!/usr/bin/env bash
# Installs the Bicep CLI into .tools/ from the NuGet package Azure.Bicep.CommandLine.linux-x64 (NuGet is
# the registry CI reaches that carries it), through a throwaway project restored with the .NET SDK.
# Idempotent: a binary of the pinned version is reused. Prints the path of the binary, .tools/bin/bicep.
set -euo pipefail

VERSION="${BICEP_VERSION:-0.49.2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/.tools"
LINK="$TOOLS/bin/bicep"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) PACKAGE="Azure.Bicep.CommandLine.linux-x64" ;;
  *) echo "install-bicep: no Bicep CLI package for $(uname -s)-$(uname -m) here; install Bicep yourself (az bicep install) and set BICEP_CLI" >&2; exit 1 ;;
esac

if [ -x "$LINK" ] && "$LINK" --version 2>/dev/null | grep -q "version $VERSION "; then
  echo "$LINK"
  exit 0
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-bicep: the .NET SDK (dotnet) is needed to fetch $PACKAGE $VERSION from NuGet" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
SDK_MAJOR="$(dotnet --version | cut -d. -f1)"
RESTORE="$TOOLS/bicep-restore"
mkdir -p "$RESTORE" "$TOOLS/bin"
# A project that only downloads the package: PackageDownload fetches it without referencing it.
cat > "$RESTORE/bicep-restore.csproj" <<CSPROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net${SDK_MAJOR}.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$PACKAGE" Version="[$VERSION]" />
  </ItemGroup>
</Project>
CSPROJ

dotnet restore "$RESTORE/bicep-restore.csproj" --packages "$TOOLS/nuget" >&2
PACKAGE_DIR="$TOOLS/nuget/$(echo "$PACKAGE" | tr '[:upper:]' '[:lower:]')/$VERSION"
BINARY="$PACKAGE_DIR/tools/bicep"
if [ ! -f "$BINARY" ]; then
  echo "install-bicep: $PACKAGE $VERSION restored, but $BINARY is missing" >&2
  exit 1
fi
chmod +x "$BINARY"
rm -f "$PACKAGE_DIR"/*.nupkg   # the extracted binary is all we run; the archive would double the disk use
ln -sfn "$BINARY" "$LINK"
"$LINK" --version >&2
echo "$LINK"
