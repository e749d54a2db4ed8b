#!/bin/sh
# tests/layers.sh — the layers include only downwards.
#
# From the bottom: sim/kernel (the event kernel: no drsim include outside itself), engine/shared
# (the scenario description, the error type, allocation: nothing above it), engine (the Site
# Recovery engine: engine/ only), model (the modelled hardware: engine/shared only), reports (engine
# and itself), then sim/scenario, sim/run, sim/plan and sim/cli. A file that includes upwards fails
# here with its name and the line.
set -eu
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"
bad=0

# forbid DIR PATTERN WHY: no file under DIR may include a header matching PATTERN.
forbid() {
    hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]+\"($2)" "$1" --include='*.c' --include='*.h' || true)
    if [ -n "$hits" ]; then
        printf '%s\n' "$hits" | sed "s|\$|    <- $3|"
        bad=1
    fi
}

forbid sim/kernel 'engine/|model/|reports/|sim/(scenario|run|plan|cli)/' 'the kernel knows nothing of disaster recovery'
forbid engine/shared 'model/|reports/|sim/|engine/[a-z_]+\.h' 'shared types depend on nothing above them'
forbid engine 'model/|reports/|sim/' 'the engine sees the world only through engine/platform.h'
forbid model 'reports/|sim/|engine/[a-z_]+\.h' 'the model knows only the shared types'
forbid reports 'sim/' 'reports read what a run recorded; they do not drive runs'
forbid sim/scenario 'sim/(run|plan|cli)/' 'loading a scenario runs nothing'
forbid sim/run 'sim/(plan|cli)/' 'the run driver is below the planner and the command line'
forbid sim/plan 'sim/cli/' 'the planner is below the command line'

# Includes written relative to another folder ("../x.h") hide a layer's edges from the checks above.
forbid . '\.\./' 'write includes from the top of the tree'

if [ "$bad" -ne 0 ]; then
    echo "layers: an include goes against the layering (see above)" >&2
    exit 1
fi
echo "layers: every include goes downwards"
