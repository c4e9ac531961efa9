#!/usr/bin/env bash
# Installs what a Native AOT publish needs besides the .NET SDK: clang (compiler and linker driver), llvm
# (llvm-objcopy splits the symbols off) and zlib's headers. Only what is missing is installed.
#
#   build/aot-prerequisites.sh            for this machine's architecture (.ci/run, a developer machine)
#   build/aot-prerequisites.sh ARCH       for amd64 or arm64, cross-compiling when that is not this machine's
#                                         architecture (the Dockerfile; Ubuntu's archive and ports mirrors)
set -euo pipefail
native=$(dpkg --print-architecture)
target=${1:-$native}
case "$target" in amd64 | arm64) ;; *) echo "unsupported architecture '$target': amd64 or arm64" >&2; exit 2 ;; esac

packages=(clang llvm zlib1g-dev)
if [ "$target" != "$native" ]; then
  # The target's C runtime and zlib come from its own architecture's packages; clang links against them
  # through the GNU cross toolchain. Ubuntu serves amd64 from its archive and arm64 from its ports mirror.
  case "$target" in
    arm64) packages+=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu "zlib1g-dev:arm64") ;;
    amd64) packages+=(gcc-x86-64-linux-gnu binutils-x86-64-linux-gnu "zlib1g-dev:amd64") ;;
  esac
  if ! dpkg --print-foreign-architectures | grep -qx "$target"; then
    sources=/etc/apt/sources.list.d/ubuntu.sources
    [ -f "$sources" ] || { echo "cross-compiling needs Ubuntu's deb822 sources ($sources)" >&2; exit 1; }
    # Pin the existing entries to this architecture, then add the target's mirror.
    grep -q '^Architectures:' "$sources" || sed -i "/^Signed-By:/a Architectures: $native" "$sources"
    mirror=http://ports.ubuntu.com/ubuntu-ports/
    [ "$target" = amd64 ] && mirror=http://archive.ubuntu.com/ubuntu/
    . /etc/os-release
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates %s-security\nComponents: main universe\nSigned-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\nArchitectures: %s\n' \
      "$mirror" "$VERSION_CODENAME" "$VERSION_CODENAME" "$VERSION_CODENAME" "$target" > "/etc/apt/sources.list.d/$target.sources"
    dpkg --add-architecture "$target"
  fi
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2> /dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "apt-get install ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
