{{/* Chart name, truncated to the 63 characters a label value may hold. */}}
{{- define "podpilot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the operator's objects: "<release>-operator", so that `helm install podpilot` gives
the names deploy/ uses (podpilot-operator); fullnameOverride replaces it.
*/}}
{{- define "podpilot.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-operator" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "podpilot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "podpilot.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "podpilot.modelsConfigMap" -}}
{{- default (printf "%s-models" (include "podpilot.fullname" .)) .Values.models.configMapName }}
{{- end }}

{{- define "podpilot.leaseName" -}}
{{- default (include "podpilot.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{- define "podpilot.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "podpilot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "podpilot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "podpilot.labels" -}}
{{ include "podpilot.selectorLabels" . }}
app.kubernetes.io/part-of: podpilot
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "podpilot.prometheusAnnotations" -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .Values.service.port | quote }}
prometheus.io/path: /metrics
{{- end }}
