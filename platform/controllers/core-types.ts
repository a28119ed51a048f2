/** The core/v1 kinds the platform controllers read or write by type (Kubernetes API: core group, version v1). */
import type { TypeRef } from '../../fake-apiserver/api/index.ts';

export const NamespaceType: TypeRef = { apiVersion: 'v1', kind: 'Namespace' };
export const SecretType: TypeRef = { apiVersion: 'v1', kind: 'Secret' };
