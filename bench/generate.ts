// Generates a realistic manifest set for benchmarks: apps of Deployment,
// Service, Ingress, HPA and PDB across namespaces, split over many files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function appManifest(ns: string, name: string, i: number): string {
  const port = 8080 + (i % 3);
  // Every fifth app carries mistakes so that rules do real work, not just early exits.
  const broken = i % 5 === 0;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {app: ${name}, tier: web}
spec:
  replicas: ${broken ? 1 : 3}
  selector:
    matchLabels: {app: ${name}}
  strategy:
    type: ${broken ? 'Recreate' : 'RollingUpdate'}
  template:
    metadata:
      labels: {app: ${name}, tier: web}
    spec:
      terminationGracePeriodSeconds: 45
      containers:
        - name: app
          image: registry.example/${name}:1.${i}
          ports:
            - name: http
              containerPort: ${port}
          ${broken ? '' : `readinessProbe:
            httpGet: {path: /ready, port: http}
            periodSeconds: 5
          livenessProbe:
            httpGet: {path: /healthz, port: http}
            failureThreshold: 6
          lifecycle:
            preStop:
              sleep: {seconds: 10}`}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
        - name: log-shipper
          image: registry.example/shipper:2
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector: {app: ${name}}
  ports:
    - name: http
      port: 80
      targetPort: ${broken ? 'web' : 'http'}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: ${ns}
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "${broken ? 0 : 60}"
spec:
  ingressClassName: nginx
  rules:
    - host: ${name}.${ns}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: ${name}
                port: {number: ${broken ? 8080 : 80}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ${name}}
  minReplicas: ${broken ? 1 : 2}
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: ${name}}
`;
}

export const DOCS_PER_APP = 5;

/** Writes `apps` apps (5 documents each) into `dir`, `perFile` apps per file. Returns the document count. */
export function generateManifests(dir: string, apps: number, perFile = 20): number {
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f * perFile < apps; f++) {
    const docs: string[] = [];
    for (let i = f * perFile; i < Math.min(apps, (f + 1) * perFile); i++) docs.push(appManifest(`team-${i % 40}`, `svc-${i}`, i));
    writeFileSync(join(dir, `apps-${String(f).padStart(4, '0')}.yaml`), docs.join('---\n'));
  }
  return apps * DOCS_PER_APP;
}
