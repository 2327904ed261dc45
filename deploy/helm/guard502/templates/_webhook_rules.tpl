{{- /*
Generated from the rule catalogue (src/cluster/resources.ts) by `npm run generate`; do not edit.
The kinds guard502 judges at admission, with the versions its engine reads.
*/ -}}
{{- define "guard502.webhookRules" -}}
- apiGroups: [""]
  apiVersions: ["v1"]
  resources: ["services", "pods"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["apps"]
  apiVersions: ["v1"]
  resources: ["deployments", "statefulsets", "daemonsets"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["networking.k8s.io"]
  apiVersions: ["v1"]
  resources: ["ingresses"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["autoscaling"]
  apiVersions: ["v2"]
  resources: ["horizontalpodautoscalers"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["argoproj.io"]
  apiVersions: ["v1alpha1"]
  resources: ["rollouts"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["gateway.networking.k8s.io"]
  apiVersions: ["v1"]
  resources: ["httproutes", "grpcroutes"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["gateway.networking.x-k8s.io"]
  apiVersions: ["v1alpha1"]
  resources: ["xbackendtrafficpolicies"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["gateway.envoyproxy.io"]
  apiVersions: ["v1alpha1"]
  resources: ["backendtrafficpolicies"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["networking.gke.io"]
  apiVersions: ["v1"]
  resources: ["gcpbackendpolicies"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["configuration.konghq.com"]
  apiVersions: ["v1beta1"]
  resources: ["kongupstreampolicies"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["networking.istio.io"]
  apiVersions: ["v1", "v1beta1", "v1alpha3"]
  resources: ["destinationrules", "virtualservices"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["projectcontour.io"]
  apiVersions: ["v1"]
  resources: ["httpproxies"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["route.openshift.io"]
  apiVersions: ["v1"]
  resources: ["routes"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["cloud.google.com"]
  apiVersions: ["v1", "v1beta1"]
  resources: ["backendconfigs"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["traefik.io"]
  apiVersions: ["v1alpha1"]
  resources: ["middlewares", "serverstransports"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
- apiGroups: ["traefik.containo.us"]
  apiVersions: ["v1alpha1"]
  resources: ["middlewares", "serverstransports"]
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
{{- end }}
