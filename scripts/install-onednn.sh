#!/usr/bin/env bash
# Installs oneDNN 3.2 built for GNU OpenMP (shared library + headers, from the PyPI wheels
# `onednn-cpu-gomp` and `onednn-devel-cpu-gomp`) for the CTranslate2 build behind the speech stage.
#
# Why: CTranslate2 uses oneMKL only on GenuineIntel CPUs; everywhere else its int8 GEMM falls to
# oneDNN when the build has it (what the CTranslate2 wheels behind faster-whisper do), else to ruy,
# about 2x slower per decoded token on an AMD EPYC and with a thread pool of its own that fights
# the OpenMP one for the cores. The `gomp` flavour shares GNU OpenMP's pool with CTranslate2
# (`ct2rs` feature `openmp-runtime-comp`).
#
# Installs into /opt/intel/heimdex-onednn-<version>, the path the `dnnl` links override in
# .cargo/config.toml names (change both together), and registers its lib/ with the dynamic linker
# (ldconfig) so that built binaries find libdnnl.so.3. Idempotent.
set -euo pipefail

VERSION="2023.2.0"
DEST="/opt/intel/heimdex-onednn-$VERSION"
source "$(dirname "$0")/pypi-wheels.sh"

register() {
  if [[ -w /etc/ld.so.conf.d ]]; then
    echo "$DEST/lib" > /etc/ld.so.conf.d/heimdex-onednn.conf
    ldconfig
  elif ! ldconfig -p | grep -q "libdnnl.so.3 "; then
    echo "install-onednn: cannot register $DEST/lib with ldconfig (not root): set LD_LIBRARY_PATH=$DEST/lib" >&2
  fi
}

if [[ -f "$DEST/include/oneapi/dnnl/dnnl.h" && -f "$DEST/lib/libdnnl.so.3" ]]; then
  echo "install-onednn: oneDNN $VERSION already in $DEST" >&2
  register
  exit 0
fi

declare -A SHA256=(
  [onednn_cpu_gomp-$VERSION-py2.py3-none-manylinux1_x86_64.whl]=2f22a54d6a890ed14bfa185d42a4be65d8b5b1df85dc1f0f3a9abe31620416fb
  [onednn_devel_cpu_gomp-$VERSION-py2.py3-none-manylinux1_x86_64.whl]=9763c69e8c907e119056bd52ad918ca84ac9ba939d130a99dfa95ccca3e5e284
)

echo "install-onednn: downloading onednn-cpu-gomp and onednn-devel-cpu-gomp $VERSION from PyPI (~10 MB)" >&2
pypi_install install-onednn "$VERSION" "$DEST" SHA256 "onednn-cpu-gomp==$VERSION" "onednn-devel-cpu-gomp==$VERSION" <<'PY'
import os, shutil, sys, zipfile
work, dest, version = sys.argv[1:4]
shutil.rmtree(dest, ignore_errors=True)
for wheel, pkg, parts in [
    (f"onednn_devel_cpu_gomp-{version}-py2.py3-none-manylinux1_x86_64.whl", f"onednn_devel_cpu_gomp-{version}", ("include/",)),
    (f"onednn_cpu_gomp-{version}-py2.py3-none-manylinux1_x86_64.whl", f"onednn_cpu_gomp-{version}", ("lib/", "share/doc/")),
]:
    with zipfile.ZipFile(os.path.join(work, wheel)) as z:
        prefix = f"{pkg}.data/data/"
        for name in z.namelist():
            rel = name[len(prefix):] if name.startswith(prefix) else None
            if not rel or name.endswith("/") or not rel.startswith(parts):
                continue
            out = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with z.open(name) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
# The wheel stores libdnnl.so, .so.3 and .so.3.2 as three copies: keep one file and two links.
lib = os.path.join(dest, "lib")
for link in ("libdnnl.so.3", "libdnnl.so"):
    os.remove(os.path.join(lib, link))
os.symlink("libdnnl.so.3.2", os.path.join(lib, "libdnnl.so.3"))
os.symlink("libdnnl.so.3", os.path.join(lib, "libdnnl.so"))
PY
register
echo "install-onednn: oneDNN $VERSION installed in $DEST" >&2
