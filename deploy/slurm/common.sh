# Settings shared by the batch scripts: the shared directory (on a file system every node
# mounts), the corpus, and how winnow is run (a module, a container, or npm install -g).
SHARED=${SHARED:-/scratch/$USER/winnow-run}
CORPUS=${CORPUS:-/scratch/$USER/corpus}
WINNOW=${WINNOW:-winnow}
# With a container instead: WINNOW="apptainer exec --bind /scratch winnow.sif winnow"
