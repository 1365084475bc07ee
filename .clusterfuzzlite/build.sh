#!/bin/bash -eu
# ClusterFuzzLite entry point: the build is harness/fuzz/oss-fuzz/build.sh
# (shared with OSS-Fuzz; it honours $CC $CXX $CFLAGS $CXXFLAGS
# $LIB_FUZZING_ENGINE $OUT $SRC $WORK).
exec "$SRC/picklecheck/harness/fuzz/oss-fuzz/build.sh"
