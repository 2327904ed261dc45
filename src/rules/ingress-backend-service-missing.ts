import { defineRule } from '../engine/rule.ts';
import { isIngressResource } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { closestName, isAlbAction, missingServiceFix, operatorMadeService, sameNameElsewhere } from './lib/references.ts';
import { fixWithYaml } from './lib/yaml.ts';
import { SERVICE_MAKERS } from './lib/reads.ts';

export default defineRule({
  id: 'ingress-backend-service-missing',
  title: 'Ingress backend names a Service that does not exist',
  shape: 'unreachable',
  severity: 'error',
  targets: ['Ingress'],
  reads: [{ group: '', kind: 'Service' }, ...SERVICE_MAKERS],
  params: {},
  docs: {
    what:
      'Checks every backend of an Ingress — each rule path and the default backend, in the `networking.k8s.io/v1` ' +
      'shape (`service.name`) and the old `v1beta1` shape (`serviceName`) — and reports those naming a Service that ' +
      'does not exist in the Ingress\'s namespace. An Ingress can only reach Services of its own namespace.',
    why:
      'The controller has no upstream for that host and path: ingress-nginx answers 503 from its default backend, ' +
      'GKE and AWS load balancers have no backend to send to and answer 502 or 503, and a typo in the name stays ' +
      'invisible until the first request.',
    fix:
      'Correct the name to the Service that fronts the pods, or create that Service:\n\n```yaml\nspec:\n  rules:\n    ' +
      '- http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              ' +
      'service:\n                name: web        # an existing Service in this namespace\n                ' +
      'port: {name: http}\n```',
    notes:
      'A reference to an absent object: the webhook warns instead of denying (the Service may be applied next) and ' +
      '`guard502 scan --partial` leaves it out. Silent for `resource` backends, for AWS Load Balancer Controller ' +
      'actions (`port: use-annotation` with an `alb.ingress.kubernetes.io/actions.<name>` annotation), for the ' +
      'Services Flagger generates for a Canary (`<service>`, `<service>-primary`, `<service>-canary`), for Services ' +
      'a known operator creates for a custom resource of the namespace, by that operator\'s exact naming scheme ' +
      '(the Prometheus operator\'s `prometheus-operated` and its siblings, ECK\'s `<name>-es-http`, Strimzi\'s ' +
      '`<name>-kafka-bootstrap`, CloudNativePG\'s `<name>-rw`, Knative\'s revision Services, ...; a name that merely ' +
      'starts with a custom resource\'s name is still checked), and when a ' +
      'Service of that name exists in another namespace but the manifests leave open where one of the two lands ' +
      '(one of them has no `metadata.namespace`, so `kubectl apply -n` decides).',
  },
  evaluate(ing, graph) {
    if (!isIngressResource(ing)) return [];
    const hits: RuleHit[] = [];
    for (const b of graph.backendsFrom(ing)) {
      if (graph.service(b.serviceNamespace, b.serviceName)) continue;
      if (isAlbAction(b) || graph.generatedService(b.serviceNamespace, b.serviceName)) continue;
      if (operatorMadeService(graph, b.serviceNamespace, b.serviceName)) continue;
      if (sameNameElsewhere(graph, ing, b.serviceNamespace, b.serviceName)) continue;
      const v1beta1 = b.portPath.endsWith('.servicePort');
      const guess = closestName(b.serviceName, graph.services(ing.namespace).map((s) => s.name));
      const where = b.path === 'spec.defaultBackend' || b.path === 'spec.backend' ? 'the default backend' : 'this path';
      hits.push({
        path: v1beta1 ? `${b.path}.serviceName` : `${b.path}.service.name`,
        message:
          `Ingress backend names Service ${b.serviceName}, which does not exist in namespace ${ing.namespace}` +
          (guess ? ` (did you mean ${guess}?)` : '') +
          `: the controller has no upstream for ${where} and answers 502/503.`,
        fix: guess
          ? fixWithYaml(`Point the backend at the existing Service ${guess}:`, v1beta1 ? { serviceName: guess } : { service: { name: guess } })
          : missingServiceFix(b, ing.namespace, 'this path', false),
        missingReference: `Service ${ing.namespace}/${b.serviceName}`,
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      {
        name: 'typo next to a Flagger Canary: only the names Flagger makes are excused',
        yaml: `
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: web}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  service: {port: 80}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web-primary, port: {number: 80}}}}
          - {path: /api, pathType: Prefix, backend: {service: {name: web-api, port: {number: 80}}}}
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[1].backend.service.name', message: 'Ingress backend names Service web-api, which does not exist in namespace default: the controller has no upstream for this path and answers 502/503.', fix: 'Create Service web-api in namespace default, selecting the pods that serve this path (placeholders: the selector must be your pods\' labels, the targetPort their container port):\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-api\n  namespace: default\nspec:\n  selector:\n    app: web-api\n  ports:\n    - name: http\n      port: 80\n      targetPort: http' }],
      },
      {
        name: 'backend names a Service that is not there (typo)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: frontend-svc, port: {number: 80}}}}
          - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: frontend}
spec:
  selector: {app: frontend}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend.service.name', message: 'Ingress backend names Service frontend-svc, which does not exist in namespace default (did you mean frontend?): the controller has no upstream for this path and answers 502/503.', fix: 'Point the backend at the existing Service frontend:\nservice:\n  name: frontend' }],
      },
      {
        name: 'extensions/v1beta1 default backend naming a missing Service',
        yaml: `
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: legacy}
spec:
  backend: {serviceName: default-http-backend, servicePort: 80}
`,
        expect: [{ severity: 'error', path: 'spec.backend.serviceName', message: 'Ingress backend names Service default-http-backend, which does not exist in namespace default: the controller has no upstream for the default backend and answers 502/503.', fix: 'Create Service default-http-backend in namespace default, selecting the pods that serve this path (placeholders: the selector must be your pods\' labels, the targetPort their container port):\napiVersion: v1\nkind: Service\nmetadata:\n  name: default-http-backend\n  namespace: default\nspec:\n  selector:\n    app: default-http-backend\n  ports:\n    - name: http\n      port: 80\n      targetPort: http' }],
      },
      {
        name: 'Service lives in another namespace (both namespaces written out)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: backend}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
        expect: [{ severity: 'error', path: 'spec.defaultBackend.service.name', message: 'Ingress backend names Service web, which does not exist in namespace shop: the controller has no upstream for the default backend and answers 502/503.', fix: 'Create Service web in namespace shop, selecting the pods that serve this path (placeholders: the selector must be your pods\' labels, the targetPort their container port):\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    app: web\n  ports:\n    - name: http\n      port: 80\n      targetPort: http' }],
      },
      {
        name: 'backend by port name to a Service that does not exist: the Service proposed has that port',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: storefront, port: {name: web}}}}
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend.service.name', message: 'Ingress backend names Service storefront, which does not exist in namespace default', fix: '  ports:\n    - name: web\n      port: 80\n      targetPort: web' }],
      },
    ],
    silent: [
      {
        name: 'every backend Service exists',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
`,
      },
      {
        name: 'resource backend (not a Service)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: static}
spec:
  defaultBackend:
    resource: {apiGroup: k8s.example.com, kind: StorageBucket, name: static-assets}
`,
      },
      {
        name: 'AWS Load Balancer Controller action (use-annotation)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    alb.ingress.kubernetes.io/actions.ssl-redirect: '{"Type":"redirect","RedirectConfig":{"Protocol":"HTTPS","Port":"443","StatusCode":"HTTP_301"}}'
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: ssl-redirect, port: {name: use-annotation}}}}
`,
      },
      {
        name: 'Service generated by Flagger for a Canary',
        yaml: `
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: podinfo}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: podinfo, port: {number: 9898}}}}
`,
      },
      {
        name: 'Service an operator creates from a custom resource (Elasticsearch quickstart → quickstart-es-http)',
        yaml: `
apiVersion: elasticsearch.k8s.elastic.co/v1
kind: Elasticsearch
metadata: {name: quickstart}
spec:
  version: 8.14.0
  nodeSets: [{name: default, count: 1}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: es}
spec:
  defaultBackend: {service: {name: quickstart-es-http, port: {number: 9200}}}
`,
      },
      {
        name: 'Service without metadata.namespace while the Ingress names one (kubectl apply -n decides)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`,
      },
    ],
  },
});
