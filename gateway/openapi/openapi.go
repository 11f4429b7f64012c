// Package openapi embeds socialrx's REST contract, the OpenAPI 3.1 document that make generate
// writes from the protos and source/ (tools/openapigen), so the gateway serves the description
// of exactly the API it was built with.
package openapi

import _ "embed"

// Spec is the OpenAPI document of every REST endpoint the gateway serves.
//
//go:embed socialrx.openapi.json
var Spec []byte
