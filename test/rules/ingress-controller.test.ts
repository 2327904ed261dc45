// Which controller serves an Ingress, and how guard502 knows: the IngressClass's
// controller, a conventional class name, or an annotation only one controller reads.
import assert from 'node:assert/strict';
import { ingressClassName, ingressController } from '../../src/rules/lib/ingress-controller.ts';
import { graphOf } from '../support/scan.ts';

function identify(spec: { cls?: string; legacyClass?: string; annotations?: Record<string, string>; ingressClass?: string }): string {
  const annotations = { ...(spec.legacyClass !== undefined ? { 'kubernetes.io/ingress.class': spec.legacyClass } : {}), ...spec.annotations };
  const g = graphOf(`${spec.ingressClass ? `${spec.ingressClass}\n---` : ''}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, annotations: ${JSON.stringify(annotations)}}
spec:
  ${spec.cls !== undefined ? `ingressClassName: ${JSON.stringify(spec.cls)}` : ''}
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`);
  const ing = [...g.all()].find((o) => o.kind === 'Ingress');
  assert.ok(ing);
  const c = ingressController(ing, g);
  return `${c.family} | ${c.how}`;
}

const ingressClass = (name: string, controller?: string) => `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: ${name}}
spec: {${controller ? `controller: ${controller}` : ''}}
`;

describe('which controller serves an Ingress', () => {
  it('reads the controller of the IngressClass the Ingress names', () => {
    const cases: Array<[string, string]> = [
      ['k8s.io/ingress-nginx', 'ingress-nginx'], ['approuting.kubernetes.azure.com/nginx', 'ingress-nginx'], ['nginx.org/ingress-controller', 'nginx-inc'],
      ['traefik.io/ingress-controller', 'traefik'], ['ingress.k8s.aws/alb', 'alb'], ['haproxy.org/ingress-controller/haproxy', 'haproxy'],
      ['projectcontour.io/ingress-controller', 'contour'], ['ingress-controllers.konghq.com/kong', 'kong'], ['istio.io/ingress-controller', 'istio'],
      ['azure/application-gateway', 'agic'], ['example.com/own', 'unknown'],
    ];
    for (const [controller, family] of cases) {
      assert.equal(identify({ cls: 'edge', ingressClass: ingressClass('edge', controller) }), `${family} | IngressClass edge (controller ${controller})`);
    }
    assert.equal(identify({ legacyClass: 'edge', ingressClass: ingressClass('edge', 'k8s.io/ingress-nginx') }), 'ingress-nginx | IngressClass edge (controller k8s.io/ingress-nginx)');
  });

  it('falls back to conventional class names when no IngressClass says more, naming the field it read', () => {
    const cases: Array<[string, string]> = [
      ['webapprouting.kubernetes.azure.com', 'ingress-nginx'], ['nginx', 'ingress-nginx'], ['nginx-internal', 'ingress-nginx'], ['traefik', 'traefik'],
      ['alb', 'alb'], ['gce', 'gce'], ['gce-internal', 'gce'], ['gce-regional-external', 'gce'], ['haproxy', 'haproxy'], ['contour', 'contour'],
      ['kong', 'kong'], ['istio', 'istio'], ['azure/application-gateway', 'agic'], ['azure-application-gateway', 'agic'],
    ];
    for (const [cls, family] of cases) assert.equal(identify({ cls }), `${family} | ingressClassName: ${cls}`, cls);
    assert.equal(identify({ legacyClass: 'traefik' }), 'traefik | kubernetes.io/ingress.class: traefik');
    assert.equal(identify({ cls: '', legacyClass: 'traefik' }), 'traefik | kubernetes.io/ingress.class: traefik', 'an empty ingressClassName: the annotation is what was read');
    assert.equal(identify({ cls: 'albx' }), 'unknown | ingressClassName: albx');
    assert.equal(identify({ cls: 'gce-other' }), 'unknown | ingressClassName: gce-other');
    assert.equal(identify({ cls: 'my-istio' }), 'unknown | ingressClassName: my-istio');
    assert.equal(identify({ cls: 'edge', ingressClass: ingressClass('edge') }), 'unknown | ingressClassName: edge', 'an IngressClass without a controller');
    assert.equal(identify({ cls: 'nginx', ingressClass: ingressClass('nginx') }), 'ingress-nginx | ingressClassName: nginx');
  });

  it("tells NGINX Inc's controller apart from ingress-nginx by the annotations of the Ingress", () => {
    assert.equal(identify({ cls: 'nginx', annotations: { 'nginx.org/proxy-read-timeout': '60s' } }), 'nginx-inc | ingressClassName: nginx');
    assert.equal(identify({ cls: 'nginx', annotations: { 'nginx.org/proxy-read-timeout': '60s', 'nginx.ingress.kubernetes.io/proxy-read-timeout': '60' } }), 'ingress-nginx | ingressClassName: nginx');
    assert.equal(identify({ cls: 'traefik', annotations: { 'nginx.org/proxy-read-timeout': '60s' } }), 'traefik | ingressClassName: traefik');
  });

  it('reads annotations only one controller reads when no class says who', () => {
    const cases: Array<[string, string]> = [
      ['nginx.ingress.kubernetes.io/rewrite-target', 'ingress-nginx'], ['nginx.org/rewrites', 'nginx-inc'], ['alb.ingress.kubernetes.io/scheme', 'alb'],
      ['traefik.ingress.kubernetes.io/router.entrypoints', 'traefik'], ['haproxy.org/timeout-server', 'haproxy'], ['projectcontour.io/response-timeout', 'contour'],
      ['konghq.com/strip-path', 'kong'], ['appgw.ingress.kubernetes.io/backend-protocol', 'agic'], ['kubernetes.io/ingress.global-static-ip-name', 'gce'],
      ['kubernetes.io/ingress.allow-http', 'gce'], ['ingress.gcp.kubernetes.io/pre-shared-cert', 'gce'], ['networking.gke.io/managed-certificates', 'gce'],
    ];
    for (const [key, family] of cases) assert.equal(identify({ annotations: { [key]: 'x' } }), `${family} | annotation ${key}`, key);
    assert.equal(identify({ annotations: { 'example.com/x': 'y' } }), 'unknown | no ingress class');
    assert.equal(identify({}), 'unknown | no ingress class');
    assert.equal(identify({ cls: 'edge', annotations: { 'konghq.com/strip-path': 'true' } }), 'kong | annotation konghq.com/strip-path', 'an unknown class name: the annotations decide');
    assert.equal(identify({ cls: 'edge' }), 'unknown | ingressClassName: edge');
    assert.equal(identify({ legacyClass: 'edge' }), 'unknown | kubernetes.io/ingress.class: edge');
    assert.equal(identify({ annotations: { 'nginx.org/rewrites': 'x', 'nginx.ingress.kubernetes.io/rewrite-target': '/' } }), 'ingress-nginx | annotation nginx.ingress.kubernetes.io/rewrite-target', 'the most trusted prefix first');
  });

  it('reads the class from spec.ingressClassName, else the legacy annotation, ignoring empty values', () => {
    const ing = (cls: string | undefined, legacy: string | undefined) => {
      const g = graphOf(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, annotations: ${JSON.stringify(legacy !== undefined ? { 'kubernetes.io/ingress.class': legacy } : {})}}
spec: {${cls !== undefined ? `ingressClassName: ${JSON.stringify(cls)}` : ''}}
`);
      const r = [...g.all()].find((o) => o.kind === 'Ingress');
      assert.ok(r);
      return ingressClassName(r);
    };
    assert.equal(ing('a', 'b'), 'a');
    assert.equal(ing(undefined, 'b'), 'b');
    assert.equal(ing('', 'b'), 'b');
    assert.equal(ing(undefined, ''), undefined);
    assert.equal(ing(undefined, undefined), undefined);
  });
});
