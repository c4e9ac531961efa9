#!/usr/bin/env bash
# helm lint and helm template for the chart, when a helm binary is on PATH. The chart's structure is
# checked without helm by the tests in tests/WebhookSolver.Tests/Charts.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v helm > /dev/null 2>&1; then
  echo "helm not found, skipped"
  exit 0
fi

chart=charts/cert-manager-webhook-route53
helm lint --strict "$chart"
helm lint --strict "$chart" --set hostNetwork=true,securePort=10250,networkPolicy.enabled=true

render() { helm template route53-webhook "$chart" --namespace cert-manager "$@" > /dev/null; }
render
render --set metrics.enabled=false,podDisruptionBudget.enabled=false,replicaCount=1
render --set metrics.serviceMonitor.enabled=true,networkPolicy.enabled=true,podDisruptionBudget.minAvailable=1 \
  --set 'rbac.secrets[0].namespace=cert-manager,rbac.secrets[0].resourceNames[0]=route53-credentials' \
  --set 'rbac.serviceAccountTokens[0].namespace=team-a,rbac.serviceAccountTokens[0].names[0]=route53-dns' \
  --set 'serviceAccount.annotations.eks\.amazonaws\.com/role-arn=arn:aws:iam::111122223333:role/route53-webhook'

# Values the schema must refuse.
for bad in securePort=0 logFormat=xml 'rbac.serviceAccountTokens[0].namespace=team-a' unknownValue=1; do
  if render --set "$bad" 2> /dev/null; then
    echo "helm accepted --set $bad, which the schema should reject"
    exit 1
  fi
done
echo "helm lint and template ok"
