# build.sh - configure and build with CMake (sourced by scripts/).
#
# build_tree DIR [cmake options...]: configures DIR if needed and builds it
# with both cores.

build_tree() {
    local dir="$1"
    shift
    cmake -S "$OAI_ROOT" -B "$dir" "$@" >/dev/null || return 1
    cmake --build "$dir" --parallel "$(nproc)" -- --no-print-directory || return 1
}
