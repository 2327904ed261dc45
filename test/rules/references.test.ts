// What the reference rules ask about a Service name: the name the author probably
// meant, the Services operators make at run time (by their exact naming schemes),
// a same-named Service that only the apply namespace separates, AWS ALB actions.
import assert from 'node:assert/strict';
import { closestName, isAlbAction, missingServiceFix, namespaceWritten, operatorMadeService, portList, sameNameElsewhere } from '../../src/rules/lib/references.ts';
import { graphOf } from '../support/scan.ts';

describe('references to Services', () => {
  it('guesses the closest name: a typo, or a prefix or suffix added or dropped', () => {
    const cases: Array<[string, string[], string | undefined]> = [
      ['wbe', ['web'], 'web'],
      ['web-api', ['web', 'api'], 'web'],
      ['frontend', ['frontend-svc', 'frontends'], 'frontends'],
      ['frontend', ['frontends', 'frontend-svc'], 'frontends'],
      ['api', ['my-api'], 'my-api'],
      ['my-api-v2', ['api-v2'], 'api-v2'],
      ['checkout', ['payments'], undefined],
      ['web', ['web'], undefined],
      ['abcdefghi', ['abcdefxyz'], 'abcdefxyz'],
      ['abcdefghi', ['abcdefwxyz'], undefined],
      ['ab', ['xy'], 'xy'],
      ['ab', ['xyz'], undefined],
      ['cart', [], undefined],
    ];
    for (const [name, candidates, expected] of cases) assert.equal(closestName(name, candidates), expected, `${name} among ${candidates.join(', ')}`);
  });

  it('lists Service ports for messages', () => {
    const g = graphOf(`
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{name: http, port: 80}, {port: 9090}]}
---
apiVersion: v1
kind: Service
metadata: {name: headless}
spec: {clusterIP: None}
`);
    assert.equal(portList(g.service('default', 'web')!), 'http (80), 9090');
    assert.equal(portList(g.service('default', 'headless')!), 'none');
  });

  it('knows the Services operators create, by their exact naming schemes only', () => {
    const g = graphOf(`
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: monitoring}
---
apiVersion: elasticsearch.k8s.elastic.co/v1
kind: Elasticsearch
metadata: {name: logs, namespace: monitoring}
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: hello, namespace: apps}
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: db, namespace: apps}
`);
    const made = (ns: string, name: string) => operatorMadeService(g, ns, name)?.name;
    assert.equal(made('monitoring', 'prometheus-operated'), 'k8s');
    assert.equal(made('apps', 'prometheus-operated'), undefined, 'another namespace');
    assert.equal(made('monitoring', 'logs-es-http'), 'logs');
    assert.equal(made('monitoring', 'logs-es-transport'), 'logs');
    assert.equal(made('monitoring', 'logs-es-httpx'), undefined);
    assert.equal(made('monitoring', 'logs-kb-http'), undefined, 'a Kibana scheme without a Kibana');
    assert.equal(made('apps', 'hello'), 'hello');
    assert.equal(made('apps', 'hello-00001'), 'hello');
    assert.equal(made('apps', 'hello-00001-private'), 'hello');
    assert.equal(made('apps', 'hello-0001'), undefined, 'four digits');
    assert.equal(made('apps', 'hello-0000a'), undefined, 'a letter where a digit belongs');
    assert.equal(made('apps', 'hello-000011'), undefined);
    assert.equal(made('apps', 'hello-api'), undefined, 'a custom resource hides no typo of its name');
    assert.equal(made('apps', 'db-rw'), 'db');
    assert.equal(made('apps', 'db-rw2'), undefined);
  });

  it('finds a same-named Service that only the apply namespace separates', () => {
    const svc = (ns: string | undefined) => `
apiVersion: v1
kind: Service
metadata: {name: api${ns ? `, namespace: ${ns}` : ''}}
spec: {ports: [{port: 80}]}
`;
    const ing = (ns: string | undefined) => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web${ns ? `, namespace: ${ns}` : ''}}
spec: {defaultBackend: {service: {name: api, port: {number: 80}}}}
`;
    const elsewhere = (svcNs: string | undefined, ingNs: string | undefined, lookIn = 'shop') => {
      const g = graphOf(`${svc(svcNs)}---${ing(ingNs)}`);
      const from = [...g.all()].find((o) => o.kind === 'Ingress');
      assert.ok(from);
      return sameNameElsewhere(g, from, lookIn, 'api')?.namespace;
    };
    assert.equal(elsewhere(undefined, 'shop'), 'default', 'the Service has no namespace: kubectl -n shop would put it in shop');
    assert.equal(elsewhere('other', undefined, 'default'), 'other', 'the Ingress has no namespace and looks in its own');
    assert.equal(elsewhere('other', undefined, 'third'), undefined, 'the Ingress names a third namespace explicitly');
    assert.equal(elsewhere('other', 'shop'), undefined, 'both namespaces written: really elsewhere');
    assert.equal(elsewhere('shop', 'shop'), undefined, 'the same namespace is no elsewhere');
    const g = graphOf(`${svc('other')}---${ing('shop')}`);
    const from = [...g.all()].find((o) => o.kind === 'Ingress');
    const service = [...g.all()].find((o) => o.kind === 'Service');
    assert.ok(from && service);
    assert.equal(namespaceWritten(from), true);
    assert.equal(namespaceWritten(graphOf(svc(undefined)).service('default', 'api')!), false);
  });

  it('tells AWS ALB actions from Services', () => {
    const g = graphOf(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations: {alb.ingress.kubernetes.io/actions.redirect: '{"type": "redirect"}'}
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - {path: /a, pathType: Prefix, backend: {service: {name: split, port: {name: use-annotation}}}}
          - {path: /b, pathType: Prefix, backend: {service: {name: redirect, port: {number: 80}}}}
          - {path: /c, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
          - {path: /d, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, annotations: {alb.ingress.kubernetes.io/actions.redirect: x}}
spec: {rules: [{backendRefs: [{name: redirect, port: 80}]}]}
`);
    const actions = [...g.all()].flatMap((r) => g.backendsFrom(r)).map((b) => `${b.from.kind} ${b.serviceName} ${isAlbAction(b)}`);
    assert.deepEqual(actions, ['Ingress split true', 'Ingress redirect true', 'Ingress web false', 'Ingress web false', 'HTTPRoute redirect false']);
  });

  it('writes the missing Service as a fix, with the port the backend asks for and its placeholders', () => {
    const g = graphOf(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
    - http:
        paths:
          - {path: /a, pathType: Prefix, backend: {service: {name: cart, port: {number: 8080}}}}
          - {path: /b, pathType: Prefix, backend: {service: {name: cart, port: {name: web}}}}
`);
    const [byNumber, byName] = [...g.all()].flatMap((r) => g.backendsFrom(r));
    assert.ok(byNumber && byName);
    const lead = "Create Service cart in namespace shop, selecting the pods that serve this path (placeholders: the selector must be your pods' labels, the targetPort their container port):";
    assert.equal(missingServiceFix(byNumber, 'shop', 'this path', false), `${lead}\napiVersion: v1\nkind: Service\nmetadata:\n  name: cart\n  namespace: shop\nspec:\n  selector:\n    app: cart\n  ports:\n    - name: http\n      port: 8080\n      targetPort: http`);
    assert.equal(missingServiceFix(byNumber, 'shop', 'this path', true).split('\n').slice(-3).join('\n'), '    - name: grpc\n      port: 8080\n      targetPort: grpc');
    assert.equal(missingServiceFix(byName, 'shop', 'this path', true).split('\n').slice(-3).join('\n'), '    - name: web\n      port: 80\n      targetPort: web');
  });
});
