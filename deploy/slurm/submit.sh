#!/bin/sh
# Submits the four steps, each depending on the success of the one before.
#   SHARED=/scratch/me/run1 CORPUS=/scratch/me/corpus ./submit.sh
set -eu
cd "$(dirname "$0")"
sig=$(sbatch --parsable --export=ALL dedup-signatures.sbatch)
buck=$(sbatch --parsable --export=ALL --dependency=afterok:$sig dedup-buckets.sbatch)
clus=$(sbatch --parsable --export=ALL --dependency=afterok:$buck dedup-clusters.sbatch)
filt=$(sbatch --parsable --export=ALL --dependency=afterok:$clus dedup-filter.sbatch)
echo "submitted: signatures $sig, buckets $buck, clusters $clus, filter $filt"
