// Package openapi embeds the OpenAPI (Swagger 2.0) document generated from the protos, so the
// gateway serves the description of exactly the API it was built with.
package openapi

import _ "embed"

// Spec is the merged OpenAPI document of every socialrx API.
//
//go:embed socialrx.swagger.json
var Spec []byte
