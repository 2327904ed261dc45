import { defineRule } from '../engine/rule.ts';
import { isIngressResource, type Backend, type Service, type ServicePort } from '../engine/model.ts';
import type { RuleHit } from '../engine/types.ts';
import { FAMILY_LABEL, ingressController } from './lib/ingress-controller.ts';
import { isAlbAction, portList } from './lib/references.ts';
import { fixWithYaml } from './lib/yaml.ts';

/** Controllers that also accept a Service's targetPort (number or name) as the backend port. */
const TOLERATES_TARGET_PORT = new Set(['ingress-nginx', 'nginx-inc']);

function portRef(b: Backend): string {
  return b.port?.number !== undefined ? `port ${b.port.number}` : `port name ${JSON.stringify(b.port?.name)}`;
}

function matchesTargetPort(sp: ServicePort, b: Backend): boolean {
  const want = b.port?.number !== undefined ? String(b.port.number) : b.port?.name;
  return want !== undefined && String(sp.targetPort) === want;
}

function suggestion(svc: Service, b: Backend): ServicePort | undefined {
  return svc.ports.find((p) => matchesTargetPort(p, b)) ?? (svc.ports.length === 1 ? svc.ports[0] : svc.ports.find((p) => /^https?$|^web$/.test(p.name ?? '')));
}

/** An Ingress of class `cls` whose backend gives the targetPort 8080 of Service web (port http 80). */
const targetPortAsBackend = (cls: string) => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: ${cls}
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 8080}}}}]}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
`;

export default defineRule({
  id: 'ingress-backend-port-mismatch',
  title: 'Ingress backend port is not a port of its Service',
  shape: 'unreachable',
  severity: 'error',
  targets: ['Ingress'],
  reads: [{ group: '', kind: 'Service' }, { group: 'networking.k8s.io', kind: 'IngressClass' }],
  params: {},
  docs: {
    what:
      'Checks every backend of an Ingress whose Service exists: the backend `port.number` must be one of the ' +
      'Service\'s `ports[].port` and `port.name` one of its `ports[].name` (for the old `servicePort`, either). A ' +
      'common slip is to give the container port (the Service\'s `targetPort`) instead of the Service port.',
    why:
      'The controller resolves the backend to a Service port before it looks up endpoints; when none matches, the ' +
      'upstream has no servers and every request on that host and path gets a 502 or 503 — GKE and the AWS ' +
      'Load Balancer Controller fail to sync the Ingress altogether.',
    fix:
      'Use the Service port, preferably by name:\n\n```yaml\n# Service\nports:\n  - name: http\n    port: 80\n    ' +
      'targetPort: 8080\n# Ingress\nbackend:\n  service:\n    name: web\n    port:\n      name: http   # or number: 80, not 8080\n```',
    notes:
      'ingress-nginx (and the NGINX Inc controller) also accept the Service\'s `targetPort` as the backend port, so ' +
      'for an Ingress of that class a backend that names the targetPort is left alone; when the class is unknown ' +
      'it is reported as a warning (it breaks on any other controller). Silent for missing Services (see ' +
      '`ingress-backend-service-missing`), ExternalName Services and Services without ports (the controller uses ' +
      'the backend port as is), and AWS Load Balancer Controller actions (`use-annotation`).',
  },
  evaluate(ing, graph) {
    if (!isIngressResource(ing)) return [];
    const hits: RuleHit[] = [];
    const controller = ingressController(ing, graph);
    for (const b of graph.backendsFrom(ing)) {
      if (!b.port || isAlbAction(b)) continue;
      const svc = graph.service(b.serviceNamespace, b.serviceName);
      if (!svc || svc.type === 'ExternalName' || svc.ports.length === 0) continue;
      const { number, name } = b.port;
      if (svc.ports.some((p) => (number !== undefined ? p.port === number : p.name === name))) continue;
      const viaTarget = svc.ports.find((p) => matchesTargetPort(p, b));
      let severity: 'error' | 'warning' = 'error';
      let tail = ': the controller finds no such port, the upstream has no servers and requests get 502/503.';
      if (viaTarget) {
        if (TOLERATES_TARGET_PORT.has(controller.family)) continue;
        tail =
          ` — it is the targetPort of Service port ${viaTarget.name ?? viaTarget.port}. ` +
          (controller.family === 'unknown'
            ? 'Only ingress-nginx accepts a targetPort here; other controllers find no such port and answer 502/503.'
            : `${FAMILY_LABEL[controller.family]} (${controller.how}) matches Service ports only: the upstream has no servers and requests get 502/503.`);
        if (controller.family === 'unknown') severity = 'warning';
      }
      const sp = suggestion(svc, b);
      hits.push({
        path: b.portPath,
        message: `Ingress backend uses ${portRef(b)} of Service ${svc.name}, which has no such port (ports: ${portList(svc)})${tail}`,
        fix: sp
          ? fixWithYaml(
              `Use the Service port${sp.name ? ' by name' : ''}:`,
              b.portPath.endsWith('.servicePort') ? { servicePort: sp.name ?? sp.port } : { service: { name: svc.name, port: sp.name ? { name: sp.name } : { number: sp.port } } },
            )
          : fixWithYaml(`Use one of the ports of Service ${svc.name} (${portList(svc)}), or add the port to the Service:`, {
              ports: [{ ...(name ? { name } : {}), port: number ?? 80, targetPort: number ?? name }],
            }),
        ...(severity !== 'error' ? { severity } : {}),
      });
    }
    return hits;
  },
  fixtures: {
    fire: [
      {
        name: 'backend gives the container port instead of the Service port (ALB)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 8080}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend.service.port.number', message: 'Ingress backend uses port 8080 of Service web, which has no such port (ports: http (80)) — it is the targetPort of Service port http. the AWS Load Balancer Controller (ingressClassName: alb) matches Service ports only: the upstream has no servers and requests get 502/503.', fix: 'Use the Service port by name:\nservice:\n  name: web\n  port:\n    name: http' }],
      },
      {
        name: 'port name the Service does not have',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: web, port: {name: web}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'error', path: 'spec.defaultBackend.service.port.name', message: 'Ingress backend uses port name "web" of Service web, which has no such port (ports: http (80)): the controller finds no such port, the upstream has no servers and requests get 502/503.', fix: 'Use the Service port by name:\nservice:\n  name: web\n  port:\n    name: http' }],
      },
      {
        name: 'extensions/v1beta1 servicePort number that the Service lacks',
        yaml: `
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: legacy}
spec:
  rules:
    - http:
        paths:
          - path: /
            backend: {serviceName: web, servicePort: 8000}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
        expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend.servicePort', message: 'Ingress backend uses port 8000 of Service web, which has no such port (ports: 80): the controller finds no such port, the upstream has no servers and requests get 502/503.', fix: 'Use the Service port:\nservicePort: 80' }],
      },
      {
        name: 'the targetPort as backend port with an unknown controller: a warning (only ingress-nginx accepts it)',
        yaml: targetPortAsBackend('acme'),
        expect: [{ severity: 'warning', path: 'spec.rules[0].http.paths[0].backend.service.port.number', message: 'Ingress backend uses port 8080 of Service web, which has no such port (ports: http (80)) — it is the targetPort of Service port http. Only ingress-nginx accepts a targetPort here; other controllers find no such port and answer 502/503.', fix: 'Use the Service port by name:\nservice:\n  name: web\n  port:\n    name: http' }],
      },
      {
        name: 'the targetPort as backend port behind Traefik: an error',
        yaml: targetPortAsBackend('traefik'),
        expect: [{ severity: 'error', path: 'spec.rules[0].http.paths[0].backend.service.port.number', message: 'Ingress backend uses port 8080 of Service web, which has no such port (ports: http (80)) — it is the targetPort of Service port http. Traefik (ingressClassName: traefik) matches Service ports only: the upstream has no servers and requests get 502/503.', fix: 'Use the Service port by name:\nservice:\n  name: web\n  port:\n    name: http' }],
      },
      {
        name: 'what the fix proposes: the HTTP-named port, the only port, or a port to add (a headless Service without ports is left alone)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - {path: /a, pathType: Prefix, backend: {service: {name: tls, port: {number: 8443}}}}
          - {path: /b, pathType: Prefix, backend: {service: {name: other, port: {name: api}}}}
          - {path: /c, pathType: Prefix, backend: {service: {name: other, port: {number: 7000}}}}
          - {path: /d, pathType: Prefix, backend: {service: {name: single, port: {number: 81}}}}
          - {path: /e, pathType: Prefix, backend: {service: {name: none, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: tls}
spec:
  selector: {app: web}
  ports: [{name: metrics, port: 9090}, {name: https, port: 443, targetPort: 9443}]
---
apiVersion: v1
kind: Service
metadata: {name: other}
spec:
  selector: {app: web}
  ports: [{name: metrics, port: 9090}, {name: admin, port: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: single}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: none}
spec:
  clusterIP: None
  selector: {app: web}
`,
        expect: [
          { severity: 'error', path: 'spec.rules[0].http.paths[0].backend.service.port.number', message: 'Ingress backend uses port 8443 of Service tls, which has no such port (ports: metrics (9090), https (443)): the controller finds no such port, the upstream has no servers and requests get 502/503.', fix: 'Use the Service port by name:\nservice:\n  name: tls\n  port:\n    name: https' },
          { severity: 'error', path: 'spec.rules[0].http.paths[1].backend.service.port.name', message: 'Ingress backend uses port name "api" of Service other, which has no such port (ports: metrics (9090), admin (9000))', fix: 'Use one of the ports of Service other (metrics (9090), admin (9000)), or add the port to the Service:\nports:\n  - name: api\n    port: 80\n    targetPort: api' },
          { severity: 'error', path: 'spec.rules[0].http.paths[2].backend.service.port.number', message: 'Ingress backend uses port 7000 of Service other', fix: 'Use one of the ports of Service other (metrics (9090), admin (9000)), or add the port to the Service:\nports:\n  - port: 7000\n    targetPort: 7000' },
          { severity: 'error', path: 'spec.rules[0].http.paths[3].backend.service.port.number', message: 'Ingress backend uses port 81 of Service single, which has no such port (ports: 80)', fix: 'Use the Service port:\nservice:\n  name: single\n  port:\n    number: 80' },
        ],
      },
    ],
    silent: [
      {
        name: 'backend port is a Service port, by number and by name',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
          - {path: /admin, pathType: Prefix, backend: {service: {name: web, port: {name: admin}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}, {name: admin, port: 9000}]
`,
      },
      {
        name: 'ingress-nginx also accepts the targetPort',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: web, port: {number: 8080}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
`,
      },
      {
        name: 'ExternalName Service without ports',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: docs}
spec:
  defaultBackend: {service: {name: docs, port: {number: 443}}}
---
apiVersion: v1
kind: Service
metadata: {name: docs}
spec:
  type: ExternalName
  externalName: docs.example.org
`,
      },
      {
        name: 'Service is missing (reported by ingress-backend-service-missing instead)',
        yaml: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: nowhere, port: {number: 80}}}
`,
      },
      {
        name: 'extensions/v1beta1 servicePort given as a numeric string',
        yaml: `
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: legacy}
spec:
  backend: {serviceName: web, servicePort: "80"}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
      },
    ],
  },
});
