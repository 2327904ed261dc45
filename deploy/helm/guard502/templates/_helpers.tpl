{{/*
Names. Kubernetes names are limited to 63 characters; so are these.
*/}}
{{- define "guard502.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "guard502.fullname" -}}
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

{{- define "guard502.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels: the recommended app.kubernetes.io set on every object; the selector
labels are the stable subset (a Deployment's selector is immutable).
*/}}
{{- define "guard502.selectorLabels" -}}
app.kubernetes.io/name: {{ include "guard502.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "guard502.labels" -}}
helm.sh/chart: {{ include "guard502.chart" . }}
{{ include "guard502.selectorLabels" . }}
app.kubernetes.io/version: {{ include "guard502.appVersion" . | quote }}
app.kubernetes.io/part-of: guard502
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels for objects that are not the server (policy, certificates): no component=server, so selectors never match them. */}}
{{- define "guard502.labelsFor" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
helm.sh/chart: {{ include "guard502.chart" $root }}
app.kubernetes.io/name: {{ include "guard502.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ $component }}
app.kubernetes.io/version: {{ include "guard502.appVersion" $root | quote }}
app.kubernetes.io/part-of: guard502
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "guard502.appVersion" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "guard502.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "guard502.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "guard502.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding tls.crt, tls.key and ca.crt, whoever makes it. */}}
{{- define "guard502.tlsSecretName" -}}
{{- if .Values.tls.existingSecret }}
{{- .Values.tls.existingSecret }}
{{- else }}
{{- printf "%s-tls" (include "guard502.fullname" .) }}
{{- end }}
{{- end }}

{{/* DNS names the API server may use for the webhook Service; it dials <service>.<namespace>.svc. */}}
{{- define "guard502.dnsNames" -}}
{{- $svc := include "guard502.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns .Values.clusterDomain) | toJson }}
{{- end }}

{{/*
The server command: `serve` runs the webhook server and the controller in one
process; `webhook` runs the webhook server alone. The webhook server always runs
(it serves the probes and metrics); webhook.enabled says whether the API server
is told to call it.
*/}}
{{- define "guard502.command" -}}
{{- if not (or .Values.webhook.enabled .Values.controller.enabled) }}
{{- fail "webhook.enabled and controller.enabled are both false: guard502 would do nothing" }}
{{- end }}
{{- if .Values.controller.enabled }}serve{{ else }}webhook{{ end }}
{{- end }}
