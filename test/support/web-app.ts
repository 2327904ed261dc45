// Test helper: Deployment web behind Service web (port 80 to the container's named port http),
// for tests of what reaches a workload from the proxies in front of it.
import assert from 'node:assert/strict';
import type { ResourceGraph } from '../../src/engine/graph.ts';
import { isWorkload, type Workload } from '../../src/engine/model.ts';
import { graphOf } from './scan.ts';

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: app, image: web, ports: [{name: http, containerPort: 8080}]}]}}
`;

/** Service web, with `annotations`. */
export const webService = (annotations: Record<string, string> = {}) => `
apiVersion: v1
kind: Service
metadata: {name: web, annotations: ${JSON.stringify(annotations)}}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
`;

/** The graph of Deployment web and `docs`, and Deployment web in it. */
export function webApp(...docs: string[]): { graph: ResourceGraph; web: Workload } {
  const graph = graphOf([DEPLOYMENT, ...docs].join('---\n'));
  const web = [...graph.all()].find((o) => o.kind === 'Deployment');
  assert.ok(web && isWorkload(web));
  return { graph, web };
}
