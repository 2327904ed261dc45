//go:build tools

// Pins the helm CLI built for the tests.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
