{{/* Copied verbatim by projen-gitops (never through handlebars); managed: change .projenrc.ts. */}}
{{- define "chart.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{- define "chart.labels" -}}
{{ include "chart.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: {{ .Values.partOf | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
{{- end -}}

{{/* The digest the image runs by: the environment's pin (images.yaml), else image.digest; empty for the tag fallback. */}}
{{- define "chart.digest" -}}
{{- $pin := get .Values.images .Chart.Name | default dict -}}
{{- $pin.digest | default .Values.image.digest -}}
{{- end -}}

{{/* The image by digest; the tag only as a fallback. */}}
{{- define "chart.image" -}}
{{- $digest := include "chart.digest" . -}}
{{- if $digest -}}
{{ .Values.image.repository }}@{{ $digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* A tag moves (the branch's newest image), so a node pulls it every time; a digest never changes. */}}
{{- define "chart.pullPolicy" -}}
{{- if include "chart.digest" . -}}
{{ .Values.image.pullPolicy }}
{{- else -}}
Always
{{- end -}}
{{- end -}}
