#!/bin/sh
# Runs the four steps in order, each after the previous one completed.
#   NAMESPACE=data ./run.sh
set -eu
cd "$(dirname "$0")"
ns="--namespace=${NAMESPACE:-default}"
kubectl apply $ns -f shared-volume.yaml
for step in signatures buckets clusters filter; do
  kubectl delete $ns job "winnow-dedup-$step" --ignore-not-found
  kubectl apply $ns -f "dedup-$step.yaml"
  kubectl wait $ns --for=condition=complete --timeout=24h "job/winnow-dedup-$step"
done
echo "kept documents: /shared/run/filter/task-*/kept/; cluster report: /shared/run/dedup/"
