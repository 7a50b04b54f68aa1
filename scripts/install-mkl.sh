#!/usr/bin/env bash
# Installs Intel oneMKL (static libraries + headers, from the PyPI wheels `mkl-static` and
# `mkl-include`) for the CTranslate2 build behind the speech stage: int8 GEMM with MKL is what the
# CTranslate2 wheels (and so faster-whisper) use on x86-64, and several times faster than the ruy
# backend there.
#
# Installs into $MKLROOT when set, else /opt/intel/heimdex-mkl-<version> (found by the build without
# any environment variable: the `intel-mkl-tool` crate searches /opt/intel). Idempotent.
#
# The layout is what `ct2rs` (feature `system-mkl`) + `intel-onemkl-prebuild` (feature `system`)
# look for: include/mkl.h and lib/libmkl_{core,intel_ilp64,sequential}.a. Those crates link MKL's
# "sequential" threading layer by name; we want MKL's GNU OpenMP layer (libmkl_gnu_thread, the one
# the CTranslate2 wheels use, so that GEMMs run on all the threads given to Whisper). Both layers
# export the same interface, so the GNU OpenMP one is installed under the sequential name, and
# libgomp is linked by ct2rs's `openmp-runtime-comp` feature.
set -euo pipefail

VERSION="2024.2.2"
DEST="${MKLROOT:-/opt/intel/heimdex-mkl-$VERSION}"
source "$(dirname "$0")/pypi-wheels.sh"

if [[ -f "$DEST/include/mkl.h" && -f "$DEST/lib/libmkl_core.a" && -f "$DEST/lib/libmkl_sequential.a" ]]; then
  echo "install-mkl: oneMKL $VERSION already in $DEST" >&2
  exit 0
fi

declare -A SHA256=(
  [mkl_static-$VERSION-py2.py3-none-manylinux1_x86_64.whl]=908586f768f312fba3b3ce0dda9b8bf086c5246d0e4d1f48ef80fa7eb60764ec
  [mkl_include-$VERSION-py2.py3-none-manylinux1_x86_64.whl]=124298b6806bc57ad3998c521699fb410a29812b35dc0e383fe8a4745cc29f11
)

echo "install-mkl: downloading mkl-static and mkl-include $VERSION from PyPI (~215 MB)" >&2
pypi_install install-mkl "$VERSION" "$DEST" SHA256 "mkl-static==$VERSION" "mkl-include==$VERSION" <<'PY'
import os, shutil, sys, zipfile
work, dest, version = sys.argv[1:4]
shutil.rmtree(dest, ignore_errors=True)
os.makedirs(os.path.join(dest, "lib"))
with zipfile.ZipFile(os.path.join(work, f"mkl_include-{version}-py2.py3-none-manylinux1_x86_64.whl")) as z:
    prefix = f"mkl_include-{version}.data/data/include/"
    for name in z.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            out = os.path.join(dest, "include", name[len(prefix):])
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with z.open(name) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
wanted = {"libmkl_core.a": "libmkl_core.a", "libmkl_intel_ilp64.a": "libmkl_intel_ilp64.a",
          "libmkl_gnu_thread.a": "libmkl_sequential.a"}
with zipfile.ZipFile(os.path.join(work, f"mkl_static-{version}-py2.py3-none-manylinux1_x86_64.whl")) as z:
    prefix = f"mkl_static-{version}.data/data/lib/"
    for src_name, dst_name in wanted.items():
        with z.open(prefix + src_name) as src, open(os.path.join(dest, "lib", dst_name), "wb") as dst:
            shutil.copyfileobj(src, dst)
PY
echo "install-mkl: oneMKL $VERSION installed in $DEST" >&2
