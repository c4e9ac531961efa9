{{/* Names follow cert-manager's webhook-example chart so operators find the objects where they expect them. */}}

{{- define "webhook-route53.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "webhook-route53.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "webhook-route53.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "webhook-route53.selectorLabels" -}}
app.kubernetes.io/name: {{ include "webhook-route53.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "webhook-route53.labels" -}}
helm.sh/chart: {{ include "webhook-route53.chart" . }}
{{ include "webhook-route53.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: webhook
{{- end }}

{{- define "webhook-route53.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "webhook-route53.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "webhook-route53.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* PKI object names: a self-signed root signs a CA, the CA signs the serving certificate. */}}
{{- define "webhook-route53.selfSignedIssuer" -}}
{{ printf "%s-selfsign" (include "webhook-route53.fullname" .) }}
{{- end }}

{{- define "webhook-route53.rootCAIssuer" -}}
{{ printf "%s-ca" (include "webhook-route53.fullname" .) }}
{{- end }}

{{- define "webhook-route53.rootCACertificate" -}}
{{ printf "%s-ca" (include "webhook-route53.fullname" .) }}
{{- end }}

{{- define "webhook-route53.servingCertificate" -}}
{{ printf "%s-webhook-tls" (include "webhook-route53.fullname" .) }}
{{- end }}

{{- define "webhook-route53.caCommonName" -}}
{{ include "webhook-route53.rootCACertificate" . | trunc 64 | trimSuffix "-" }}
{{- end }}

{{/*
A duration written in whole units (Prometheus' "1h30m", cert-manager's "8760h") in milliseconds, so that
two durations can be compared: units y, w, d, h, m, s and ms.
*/}}
{{- define "webhook-route53.milliseconds" -}}
{{- $factors := dict "ms" 1 "s" 1000 "m" 60000 "h" 3600000 "d" 86400000 "w" 604800000 "y" 31536000000 }}
{{- $total := 0 }}
{{- range regexFindAll "[0-9]+(ms|y|w|d|h|m|s)" . -1 }}
{{- $number := regexFind "^[0-9]+" . }}
{{- $total = add $total (mul (atoi $number) (get $factors (trimPrefix $number .))) }}
{{- end }}
{{- $total }}
{{- end }}

{{/* The replica count each pod assumes shares the Route53 budget until it has read the Leases. */}}
{{- define "webhook-route53.assumedReplicas" -}}
{{- $assumed := .Values.route53.assumedReplicas }}
{{- if kindIs "invalid" $assumed }}
{{- $assumed = .Values.replicaCount }}
{{- end }}
{{- max 1 $assumed }}
{{- end }}

{{/* The series of this release, as the chart's ServiceMonitor labels them. */}}
{{- define "webhook-route53.metricsSelector" -}}
namespace="{{ .Release.Namespace }}", service="{{ include "webhook-route53.fullname" . }}"
{{- end }}
