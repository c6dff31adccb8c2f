#!/usr/bin/env bash
# The whole DecQ pipeline on the bundled images, with the real commands and the tiny configs (no code path exists only
# for this): stage 1 (patch statistics, queries + condensers + decoder), stage 2 (exact query statistics, DiT-DH
# flow matching), a class-conditional sample batch, reconstruction metrics, generation FID/KID, and one report.html.
#   scripts/decq quickstart [--out DIR]        (default runs/quickstart)
# Run it again after an interruption: every stage continues where it stopped (trainers resume from their latest
# checkpoint, the sampler from its last finished batch); finished stages are not redone.
# The encoder has RANDOM weights and the FID-Inception is a seeded random network: the numbers show that the pipeline
# runs, not how good DecQ is. Point encoder.path at a real DINOv2-with-registers / SigLIP2 folder and pass real
# pytorch-fid weights to decq eval for real numbers (see README.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT=runs/quickstart
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --out=*) OUT="${1#--out=}"; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "decq quickstart: unknown argument '$1' (expected --out DIR)" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
cd "$ROOT"
DECQ="$ROOT/scripts/decq"
# libtorch on one intra-op thread: the tiny models' many small operations run 3-4x faster than with two on 2 cores.
T=(--threads 1)
start=$(date +%s)
step() { echo; echo "== quickstart [$1/6] $2   (elapsed $(( $(date +%s) - start )) s)"; }

# A trainer continues from its latest checkpoint; a folder without one (interrupted before the first) starts over.
train() {
  local kind=$1 config=$2 dir=$3; shift 3
  local resume=()
  if [[ -f "$dir/checkpoints/latest" ]]; then
    resume=(--resume "$dir")
  else
    rm -rf "$dir"
  fi
  "$DECQ" train "$kind" --config "$config" --out "$dir" "${resume[@]}" "${T[@]}" "$@"
}

step 1 "stage 1: queries, condensers and ViT decoder on a frozen tiny DINOv2 (configs/tiny-recon.yaml)"
train recon configs/tiny-recon.yaml "$OUT/stage1"

step 2 "stage 2: DiT-DH flow matching on the joint latent (configs/tiny-diffusion.yaml)"
train diffusion configs/tiny-diffusion.yaml "$OUT/stage2" --set "ae.checkpoint=$OUT/stage1"

step 3 "samples: 4 per class with the EMA denoiser, Euler"
"$DECQ" sample --dit "$OUT/stage2" --num 28 --batch 7 --seed 0 --out "$OUT/samples" "${T[@]}"

step 4 "reconstruction metrics on the 7 held-out photos (PSNR, SSIM, rFID with a random-weight FID-Inception)"
"$DECQ" eval recon --ae "$OUT/stage1" --images src-test-data/images/val --inception random:0 \
  --out "$OUT/recon-eval.json" --html "$OUT/recon-eval.html" "${T[@]}"

step 5 "generation metrics of the samples against the 20 training photos (FID, KID with a random-weight FID-Inception)"
"$DECQ" eval gen --inception random:0 --samples "$OUT/samples/samples.npz" --ref src-test-data/images/train \
  --batch 8 --no-pr --out "$OUT/gen-eval.json" --html "$OUT/gen-eval.html" "${T[@]}"

step 6 "report"
"$DECQ" eval report --out "$OUT/report.html" --title "DecQ quickstart" \
  --text "The whole pipeline on the bundled photos (src-test-data/images): stage 1 (configs/tiny-recon.yaml), stage 2 (configs/tiny-diffusion.yaml), $(( 28 )) class-conditional samples, and their metrics." \
  --text "The frozen encoder has RANDOM weights (src-test-data/encoders/dinov2-reg-tiny) and FID / KID / rFID use a seeded RANDOM-WEIGHT FID-Inception: these numbers check that the pipeline runs; they say nothing about image quality. For real runs set encoder.path to a Hugging Face DINOv2-with-registers or SigLIP2 folder (configs/recon-dinov2-b-vitxl.yaml, configs/ditdh-xl-dinov2-b.yaml) and pass pytorch-fid's weights with --inception." \
  --image "Class-conditional samples (one column per class)=$OUT/samples/grid.png" \
  --metrics "Generation metrics (random-weight FID-Inception: a pipeline check)=$OUT/gen-eval.json" \
  --metrics "Reconstruction metrics on src-test-data/images/val=$OUT/recon-eval.json" \
  --run "Stage 1: held-out photos (top) and their reconstructions (bottom), training curves=$OUT/stage1" \
  --run "Stage 2: EMA sample previews, training curves=$OUT/stage2"

echo
echo "quickstart done in $(( $(date +%s) - start )) s: open $OUT/report.html"
