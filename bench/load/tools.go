//go:build tools

// The load generator of the webhook benchmark, pinned in go.mod.
package tools

import _ "github.com/tsenart/vegeta/v12"
