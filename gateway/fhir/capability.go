package fhir

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	c4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	d4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	cspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/capability_statement_go_proto"
	vs4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/valuesets_go_proto"
)

// interactions are what each resource type offers beyond read and vread, which all do.
var interactions = map[string][]vs4.TypeRestfulInteractionValueSet_Value{
	"Task": {vs4.TypeRestfulInteractionValueSet_UPDATE, vs4.TypeRestfulInteractionValueSet_PATCH},
}

// paramTypes are the FHIR types of the search parameters of searchParams.
var paramTypes = map[string]c4.SearchParamTypeCode_Value{
	"owner": c4.SearchParamTypeCode_REFERENCE, "subject": c4.SearchParamTypeCode_REFERENCE,
	"status": c4.SearchParamTypeCode_TOKEN, "_lastUpdated": c4.SearchParamTypeCode_DATE,
	"family": c4.SearchParamTypeCode_STRING, "given": c4.SearchParamTypeCode_STRING, "birthdate": c4.SearchParamTypeCode_DATE,
	"name": c4.SearchParamTypeCode_STRING, "type": c4.SearchParamTypeCode_TOKEN, "near": c4.SearchParamTypeCode_SPECIAL,
	"organization": c4.SearchParamTypeCode_REFERENCE,
}

// capabilityStatement lists exactly what the facade serves: the types of readers and
// directoryReaders (read, vread), the searches of searchParams and directorySearches, Task's
// update and patch, the transaction that sends a referral in, and SMART for security.
func capabilityStatement() *cspb.CapabilityStatement {
	cs := &cspb.CapabilityStatement{
		Url:            uri(socialrxBase + "CapabilityStatement/socialrx"),
		Name:           str("SocialrxFHIRFacade"),
		Title:          str("socialrx FHIR R4 facade"),
		Status:         &cspb.CapabilityStatement_StatusCode{Value: c4.PublicationStatusCode_ACTIVE},
		Date:           &d4.DateTime{ValueUs: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC).UnixMicro(), Timezone: "UTC", Precision: d4.DateTime_DAY},
		Publisher:      str("socialrx"),
		Kind:           &cspb.CapabilityStatement_KindCode{Value: c4.CapabilityStatementKindCode_INSTANCE},
		Software:       &cspb.CapabilityStatement_Software{Name: str("socialrx gateway")},
		Implementation: &cspb.CapabilityStatement_Implementation{Description: str("socialrx referrals and directory as FHIR R4, translated from its gRPC APIs with the caller's token")},
		FhirVersion:    &cspb.CapabilityStatement_FhirVersionCode{Value: c4.FHIRVersionCode_V_4_0_1},
		Format:         []*cspb.CapabilityStatement_FormatCode{{Value: "json"}, {Value: "application/fhir+json"}},
		PatchFormat:    []*cspb.CapabilityStatement_PatchFormatCode{{Value: "application/json-patch+json"}},
		Description: &d4.Markdown{Value: "Codes of socialrx's own code systems: " + strings.Join(socialrxCodeSystems, ", ") +
			". Searches are strict: an unknown parameter is refused. Only the current version of a resource is kept."},
	}
	rest := &cspb.CapabilityStatement_Rest{
		Mode: &cspb.CapabilityStatement_Rest_ModeCode{Value: c4.RestfulCapabilityModeCode_SERVER},
		Security: &cspb.CapabilityStatement_Rest_Security{
			Service: []*d4.CodeableConcept{concept("http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR", "SMART-on-FHIR")},
			Description: &d4.Markdown{Value: "OAuth2 bearer tokens of the configured issuer (see .well-known/smart-configuration). " +
				"SMART system/ and user/ scopes (v2 .cruds, or v1 .read/.write) narrow what the caller's roles allow."},
		},
		Interaction: []*cspb.CapabilityStatement_Rest_SystemInteraction{{Code: &cspb.CapabilityStatement_Rest_SystemInteraction_CodeType{
			Value: vs4.SystemRestfulInteractionValueSet_TRANSACTION}}},
	}
	types := []string{"Task", "ServiceRequest", "Patient", "Consent", "Goal", "Observation", "Procedure", "Organization", "Location", "HealthcareService"}
	for _, typ := range types {
		_, referral := readers[typ]
		_, dir := directoryReaders[typ]
		if !referral && !dir {
			continue
		}
		res := &cspb.CapabilityStatement_Rest_Resource{
			Type:       &cspb.CapabilityStatement_Rest_Resource_TypeCode{Value: c4.ResourceTypeCode_Value(c4.ResourceTypeCode_Value_value[strings.ToUpper(snake(typ))])},
			Versioning: &cspb.CapabilityStatement_Rest_Resource_VersioningCode{Value: c4.ResourceVersionPolicyCode_VERSIONED_UPDATE},
		}
		if typ == "Task" {
			res.SupportedProfile = []*d4.Canonical{{Value: profileTask}}
		}
		for _, i := range append([]vs4.TypeRestfulInteractionValueSet_Value{vs4.TypeRestfulInteractionValueSet_READ, vs4.TypeRestfulInteractionValueSet_VREAD}, interactions[typ]...) {
			res.Interaction = append(res.Interaction, &cspb.CapabilityStatement_Rest_Resource_ResourceInteraction{
				Code: &cspb.CapabilityStatement_Rest_Resource_ResourceInteraction_CodeType{Value: i}})
		}
		params := searchParams[typ]
		if d, ok := directorySearches[typ]; ok {
			params = d.params
		}
		if len(params) > 0 {
			res.Interaction = append(res.Interaction, &cspb.CapabilityStatement_Rest_Resource_ResourceInteraction{
				Code: &cspb.CapabilityStatement_Rest_Resource_ResourceInteraction_CodeType{Value: vs4.TypeRestfulInteractionValueSet_SEARCH_TYPE}})
		}
		for _, p := range params {
			switch p {
			case "_include":
				res.SearchInclude = append(res.SearchInclude, str("Task:focus"))
			case "_revinclude":
				res.SearchRevInclude = append(res.SearchRevInclude, str("Task:focus"))
			case "_count", pageTokenParam:
			default:
				res.SearchParam = append(res.SearchParam, &cspb.CapabilityStatement_Rest_Resource_SearchParam{
					Name: str(p), Type: &cspb.CapabilityStatement_Rest_Resource_SearchParam_TypeCode{Value: paramTypes[p]}})
			}
		}
		rest.Resource = append(rest.Resource, res)
	}
	rest.Resource = append(rest.Resource, subscriptionCapability())
	cs.Rest = []*cspb.CapabilityStatement_Rest{rest}
	return cs
}

// snake turns a resource type into its enum name: HealthcareService -> Healthcare_Service.
func snake(typ string) string {
	var b strings.Builder
	for i, r := range typ {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// metadata serves GET /metadata, to anyone.
func (h *Handler) metadata(w http.ResponseWriter, r *http.Request) {
	b, err := h.codec.encode(capabilityStatement())
	if err != nil {
		h.fail(w, &problem{http.StatusInternalServerError, c4.IssueTypeCode_EXCEPTION, "", "encode: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(b)
}

// smartConfiguration serves the SMART App Launch discovery document: the issuer's token
// endpoint, the client authentication SMART Backend Services use, and the scopes there are.
func (h *Handler) smartConfiguration(w http.ResponseWriter, r *http.Request) {
	if h.issuer == "" {
		h.fail(w, notFound("", "this server has no OIDC issuer configured"))
		return
	}
	var scopes []string
	for _, typ := range []string{"Task", "ServiceRequest", "Patient", "Consent", "Goal", "Observation", "Procedure", "Organization", "Location", "HealthcareService"} {
		perms := "rs"
		switch typ {
		case "Task":
			perms = "crus"
		case "ServiceRequest", "Patient", "Consent", "Goal":
			perms = "crs"
		}
		scopes = append(scopes, "system/"+typ+"."+perms, "user/"+typ+"."+perms)
	}
	scopes = append(scopes, "system/Subscription.crds")
	doc := map[string]any{
		"issuer":                                h.issuer,
		"token_endpoint":                        h.tokenEndpoint(r.Context()),
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt", "client_secret_basic"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"ES256", "RS256"},
		"grant_types_supported":                            []string{"client_credentials", "authorization_code"},
		"scopes_supported":                                 scopes,
		"capabilities":                                     []string{"client-confidential-asymmetric", "permission-v2", "permission-v1"},
		"code_challenge_methods_supported":                 []string{"S256"},
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

// tokenEndpoint is the issuer's token endpoint from its discovery document, fetched once.
func (h *Handler) tokenEndpoint(ctx context.Context) string {
	h.tokenOnce.Lock()
	defer h.tokenOnce.Unlock()
	if h.tokenURL != "" {
		return h.tokenURL
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(h.issuer, "/")+"/.well-known/openid-configuration", nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var d struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if json.NewDecoder(resp.Body).Decode(&d) == nil {
		h.tokenURL = d.TokenEndpoint
	}
	return h.tokenURL
}

// subscriptionCapability is the Subscription entry: create, read, delete and search by status
// of the caller's organisation's rest-hook Subscriptions.
func subscriptionCapability() *cspb.CapabilityStatement_Rest_Resource {
	res := &cspb.CapabilityStatement_Rest_Resource{
		Type:       &cspb.CapabilityStatement_Rest_Resource_TypeCode{Value: c4.ResourceTypeCode_SUBSCRIPTION},
		Versioning: &cspb.CapabilityStatement_Rest_Resource_VersioningCode{Value: c4.ResourceVersionPolicyCode_VERSIONED},
		Documentation: &d4.Markdown{Value: "rest-hook Subscriptions on Task?owner=Organization/{id} or Task?requester=Organization/{id} (the caller's own " +
			"organisation), notified id-only (backport-payload-content) as application/fhir+json; scope system/Subscription.crds."},
		SearchParam: []*cspb.CapabilityStatement_Rest_Resource_SearchParam{{
			Name: str("status"), Type: &cspb.CapabilityStatement_Rest_Resource_SearchParam_TypeCode{Value: c4.SearchParamTypeCode_TOKEN}}},
	}
	for _, i := range []vs4.TypeRestfulInteractionValueSet_Value{vs4.TypeRestfulInteractionValueSet_CREATE, vs4.TypeRestfulInteractionValueSet_READ,
		vs4.TypeRestfulInteractionValueSet_DELETE, vs4.TypeRestfulInteractionValueSet_SEARCH_TYPE} {
		res.Interaction = append(res.Interaction, &cspb.CapabilityStatement_Rest_Resource_ResourceInteraction{
			Code: &cspb.CapabilityStatement_Rest_Resource_ResourceInteraction_CodeType{Value: i}})
	}
	return res
}
