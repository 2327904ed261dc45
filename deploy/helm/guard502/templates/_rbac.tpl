{{- /*
The permissions guard502 needs (least privilege), the same list as
src/controller/rbac.ts (a chart test compares them): read the kinds it judges
and the context it judges them with; with the controller on, also read
EndpointSlices (live rules), patch annotations on the kinds it annotates, write
Events and the Guard502Policy status, and hold a Lease in its own namespace.
The webhook alone (controller.enabled=false) only reads.
*/ -}}
{{- define "guard502.clusterRules" -}}
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["services"]
  verbs: {{ include "guard502.annotateVerbs" . }}
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets", "daemonsets"]
  verbs: {{ include "guard502.annotateVerbs" . }}
- apiGroups: ["apps"]
  resources: ["replicasets"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["argoproj.io"]
  resources: ["rollouts"]
  verbs: {{ include "guard502.annotateVerbs" . }}
- apiGroups: ["networking.k8s.io"]
  resources: ["ingresses"]
  verbs: {{ include "guard502.annotateVerbs" . }}
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["httproutes", "grpcroutes"]
  verbs: {{ include "guard502.annotateVerbs" . }}
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["referencegrants"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["flagger.app"]
  resources: ["canaries"]
  verbs: ["get", "list", "watch"]
{{- if .Values.controller.enabled }}
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["get", "list", "watch"]
{{- end }}
- apiGroups: ["guard502.dev"]
  resources: ["guard502policies"]
  verbs: ["get", "list", "watch"]
{{- if .Values.controller.enabled }}
- apiGroups: ["guard502.dev"]
  resources: ["guard502policies/status"]
  verbs: ["get", "patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}
{{- end }}

{{- define "guard502.annotateVerbs" -}}
{{- if .Values.controller.enabled }}["get", "list", "watch", "patch"]{{ else }}["get", "list", "watch"]{{ end }}
{{- end }}

{{- define "guard502.namespaceRules" -}}
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update"]
{{- end }}
