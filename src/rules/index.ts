// The rule catalogue, in the order of the README's rule table. Rule IDs are contracts.
import type { Rule } from '../engine/rule.ts';
import serviceSelectsNothing from './service-selects-nothing.ts';
import serviceTargetPortMismatch from './service-target-port-mismatch.ts';
import ingressBackendServiceMissing from './ingress-backend-service-missing.ts';
import ingressBackendPortMismatch from './ingress-backend-port-mismatch.ts';
import routeBackendMismatch from './route-backend-mismatch.ts';
import servicePublishesNotReady from './service-publishes-not-ready.ts';
import probePortMismatch from './probe-port-mismatch.ts';
import readinessProbeMissing from './readiness-probe-missing.ts';
import readinessProbeShallow from './readiness-probe-shallow.ts';
import readinessProbeWrongPort from './readiness-probe-wrong-port.ts';
import readinessProbeSlow from './readiness-probe-slow.ts';
import proxyTimeoutUnbounded from './proxy-timeout-unbounded.ts';
import proxyRetriesUnbounded from './proxy-retries-unbounded.ts';
import rolloutRecreate from './rollout-recreate.ts';
import rolloutCapacityDrop from './rollout-capacity-drop.ts';
import singleReplica from './single-replica.ts';
import prestopMissing from './prestop-missing.ts';
import terminationGraceTooShort from './termination-grace-too-short.ts';
import memoryLimitMissing from './memory-limit-missing.ts';
import pdbMissing from './pdb-missing.ts';
import canaryMissing from './canary-missing.ts';
import minReadySecondsMissing from './min-ready-seconds-missing.ts';
import backendProtocolMismatch from './backend-protocol-mismatch.ts';
import noReadyEndpoints from './no-ready-endpoints.ts';
import rolloutStuck from './rollout-stuck.ts';
import upstreamKeepaliveRace from './upstream-keepalive-race.ts';

export const RULES: readonly Rule[] = [
  serviceSelectsNothing,
  serviceTargetPortMismatch,
  ingressBackendServiceMissing,
  ingressBackendPortMismatch,
  routeBackendMismatch,
  servicePublishesNotReady,
  probePortMismatch,
  readinessProbeMissing,
  readinessProbeShallow,
  readinessProbeWrongPort,
  readinessProbeSlow,
  proxyTimeoutUnbounded,
  proxyRetriesUnbounded,
  rolloutRecreate,
  rolloutCapacityDrop,
  singleReplica,
  prestopMissing,
  terminationGraceTooShort,
  memoryLimitMissing,
  pdbMissing,
  canaryMissing,
  minReadySecondsMissing,
  backendProtocolMismatch,
  upstreamKeepaliveRace,
  noReadyEndpoints,
  rolloutStuck,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
