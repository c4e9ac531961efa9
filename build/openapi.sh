#!/usr/bin/env bash
# Regenerates src/WebhookSolver/Challenges/openapi-v2.json, the Swagger 2.0 document every build serves, from the
# endpoints and Swashbuckle's generator under the JIT (the Native AOT executable has no generator). Run it after
# changing an endpoint, a payload type or the generator's settings; OpenApiGenerationTests fails until then.
set -euo pipefail
cd "$(dirname "$0")/.."

WEBHOOK_OPENAPI_UPDATE=1 dotnet test tests/WebhookSolver.Tests/WebhookSolver.Tests.csproj \
  --filter "FullyQualifiedName~OpenApiGenerationTests.TheDocumentInTheRepositoryIsAFreshGenerationFromTheEndpoints"
git diff --stat -- src/WebhookSolver/Challenges/openapi-v2.json 2> /dev/null || true
