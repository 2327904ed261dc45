// Builds the Guard502Policy CustomResourceDefinition from the rule catalogue:
// every rule ID, its action, severity and typed parameters appear in the schema,
// so the apiserver (kubectl apply) and the CLI (ajv, same schema) reject the
// same mistakes. `npm run generate` writes it to crds/; a test keeps it in sync.

import type { Rule } from '../engine/rule.ts';
import { SEVERITIES } from '../engine/types.ts';
import { ACTIONS } from './policy.ts';

export const POLICY_GROUP = 'guard502.dev';
export const POLICY_VERSION = 'v1alpha1';
export const POLICY_KIND = 'Guard502Policy';
export const POLICY_PLURAL = 'guard502policies';
export const POLICY_API_VERSION = `${POLICY_GROUP}/${POLICY_VERSION}`;

type Schema = Record<string, unknown>;

const labelSelector: Schema = {
  type: 'object',
  description: 'Standard label selector, matched against namespace labels (every namespace has kubernetes.io/metadata.name).',
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string' },
          operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};

function ruleSchema(rule: Rule): Schema {
  const parameters: Record<string, Schema> = {};
  for (const [name, p] of Object.entries(rule.params)) {
    parameters[name] = {
      type: p.type,
      description: `${p.description}${p.unit ? ` (${p.unit})` : ''}. Default: ${String(p.default)}.`,
      ...(p.minimum !== undefined ? { minimum: p.minimum } : {}),
      ...(p.maximum !== undefined ? { maximum: p.maximum } : {}),
    };
  }
  return {
    type: 'object',
    description: rule.title,
    properties: {
      action: { type: 'string', enum: [...ACTIONS], description: 'What to do with findings of this rule; overrides the action of their severity.' },
      severity: { type: 'string', enum: [...SEVERITIES], description: `Severity of this rule's findings. Default: ${rule.severity}.` },
      ...(Object.keys(parameters).length > 0 ? { parameters: { type: 'object', properties: parameters } } : {}),
    },
  };
}

export function policySchema(rules: readonly Rule[]): Schema {
  const actionEnum = { type: 'string', enum: [...ACTIONS] };
  return {
    type: 'object',
    description: 'Guard502Policy says what guard502 does with each finding: deny the change, warn, record it (audit), or nothing.',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        properties: {
          actions: {
            type: 'object',
            description: 'Action for each severity, unless a rule says otherwise.',
            properties: {
              error: { ...actionEnum, default: 'deny' },
              warning: { ...actionEnum, default: 'warn' },
              info: { ...actionEnum, default: 'audit' },
            },
          },
          rules: {
            type: 'object',
            description: 'Per-rule action, severity and parameters, keyed by rule ID.',
            properties: Object.fromEntries(rules.map((r) => [r.id, ruleSchema(r)])),
          },
          namespaceSelector: labelSelector,
          excludedNamespaces: { type: 'array', items: { type: 'string' }, description: 'Namespaces never checked.' },
          exemptions: {
            type: 'array',
            description: 'Exact-match exemptions: an absent field matches anything; no prefixes or globs.',
            items: {
              type: 'object',
              required: ['reason'],
              properties: {
                rules: { type: 'array', items: { type: 'string' }, description: 'Rule IDs; empty or absent means every rule.' },
                namespace: { type: 'string' },
                kind: { type: 'string' },
                name: { type: 'string' },
                reason: { type: 'string', minLength: 1 },
              },
            },
          },
          allowIgnoreAnnotations: {
            type: 'boolean',
            default: true,
            description: 'Honour the guard502.dev/ignore annotation on objects.',
          },
          onError: {
            type: 'string',
            enum: ['deny', 'allow'],
            default: 'deny',
            description: 'What the webhook answers when it could not check a request: deny, or allow with a warning that says it was not checked.',
          },
        },
      },
      status: {
        type: 'object',
        properties: {
          observedGeneration: { type: 'integer', format: 'int64' },
          findings: {
            type: 'object',
            description: 'Current findings governed by this policy, by severity.',
            properties: { error: { type: 'integer' }, warning: { type: 'integer' }, info: { type: 'integer' } },
          },
          conditions: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['type'],
            items: {
              type: 'object',
              required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
              properties: {
                type: { type: 'string' },
                status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
                observedGeneration: { type: 'integer', format: 'int64' },
                lastTransitionTime: { type: 'string', format: 'date-time' },
                reason: { type: 'string' },
                message: { type: 'string' },
              },
            },
          },
        },
      },
    },
  };
}

export function policyCrd(rules: readonly Rule[]): Schema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${POLICY_PLURAL}.${POLICY_GROUP}`, labels: { 'app.kubernetes.io/name': 'guard502' } },
    spec: {
      group: POLICY_GROUP,
      scope: 'Cluster',
      names: { kind: POLICY_KIND, listKind: `${POLICY_KIND}List`, plural: POLICY_PLURAL, singular: 'guard502policy', shortNames: ['g502p'] },
      versions: [
        {
          name: POLICY_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Errors', type: 'integer', jsonPath: '.status.findings.error' },
            { name: 'Warnings', type: 'integer', jsonPath: '.status.findings.warning' },
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: policySchema(rules) },
        },
      ],
    },
  };
}
