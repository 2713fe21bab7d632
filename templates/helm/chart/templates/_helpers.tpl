{{/* Copied verbatim by projen-gitops (never through handlebars); managed: change .projenrc.ts. */}}
{{- define "chart.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "chart.labels" -}}
{{ include "chart.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: {{ .Values.partOf | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The image by digest: the environment's pin (images.yaml), else image.digest; the tag only as a fallback. */}}
{{- define "chart.image" -}}
{{- $pin := get .Values.images .Chart.Name | default dict -}}
{{- $digest := $pin.digest | default .Values.image.digest -}}
{{- if $digest -}}
{{ .Values.image.repository }}@{{ $digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end -}}
