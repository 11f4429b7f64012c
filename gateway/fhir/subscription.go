package fhir

import (
	"net/http"
	"strings"
	"time"

	c4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	d4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	subpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/subscription_go_proto"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// payloadContentURL is the Subscriptions backport's extension naming how much a notification
// carries; the engine's FHIR_REST_HOOK deliveries are id-only.
const payloadContentURL = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content"

// subscriptionPrefix is what the facade's Subscription ids map onto: the caller's
// organisation's webhooks.
func (c *call) webhookName(sid string) string {
	return c.id.Organization + "/webhooks/" + sid
}

// routeSubscriptions registers the Subscription interactions, more specific than the
// generic ones.
func (h *Handler) routeSubscriptions() {
	h.mux.HandleFunc("POST /Subscription", h.authed(h.createSubscription))
	h.mux.HandleFunc("GET /Subscription", h.authed(h.searchSubscriptions))
	h.mux.HandleFunc("GET /Subscription/{id}", h.authed(h.readSubscription))
	h.mux.HandleFunc("DELETE /Subscription/{id}", h.authed(h.deleteSubscription))
}

func needOrg(c *call) *problem {
	if !strings.HasPrefix(c.id.Organization, "organizations/") {
		return forbidden("", "the token names no organisation; Subscriptions belong to an organisation's system client")
	}
	return nil
}

func (h *Handler) createSubscription(w http.ResponseWriter, c *call) *problem {
	if !scopeGrants(c.id, "Subscription", 'c') {
		return needScope("Subscription", 'c')
	}
	if p := needOrg(c); p != nil {
		return p
	}
	body, p := h.readBody(c.r)
	if p != nil {
		return p
	}
	res, err := h.codec.decode(body)
	if err != nil {
		return invalid("Subscription", "the body is not a valid FHIR R4 resource: %v", err)
	}
	s, ok := res.(*subpb.Subscription)
	if !ok {
		return invalid("Subscription", "the body is a %s, not a Subscription", resourceType(res))
	}
	wh, p := webhookOf(c, s)
	if p != nil {
		return p
	}
	got, err := h.webhooks.CreateWebhook(c.ctx, &referralv1.CreateWebhookRequest{Parent: c.id.Organization, Webhook: wh})
	if err != nil {
		return fromRPC(err, "Subscription", false, subscriptionField)
	}
	return h.write(w, c, http.StatusCreated, subscriptionOf(got), "", got.GetCreateTime().AsTime())
}

// subscriptionField names the Subscription element a webhook field came from.
func subscriptionField(f string) string {
	switch strings.TrimPrefix(f, "webhook.") {
	case "url":
		return "Subscription.channel.endpoint"
	case "criteria":
		return "Subscription.criteria"
	}
	return ""
}

// webhookOf checks s and is the webhook that delivers it.
func webhookOf(c *call, s *subpb.Subscription) (*referralv1.Webhook, *problem) {
	ch := s.GetChannel()
	if ch.GetType().GetValue() != c4.SubscriptionChannelTypeCode_REST_HOOK {
		return nil, unsupported("Subscription.channel.type", "only the rest-hook channel is offered")
	}
	if ch.GetEndpoint().GetValue() == "" {
		return nil, invalid("Subscription.channel.endpoint", "a rest-hook Subscription needs an endpoint")
	}
	if pl := ch.GetPayload().GetValue(); pl != "application/fhir+json" {
		return nil, unsupported("Subscription.channel.payload", "notifications are application/fhir+json, not %q", printable(pl))
	}
	for _, e := range ch.GetPayload().GetExtension() {
		if e.GetUrl().GetValue() == payloadContentURL {
			if v := e.GetValue().GetCode().GetValue(); v != "id-only" {
				return nil, unsupported("Subscription.channel.payload.extension", "notifications are id-only, not %q", printable(v))
			}
		}
	}
	if len(ch.GetHeader()) > 0 {
		return nil, unsupported("Subscription.channel.header", "headers sent with notifications are not offered; notifications are signed as Standard Webhooks")
	}
	crit := s.GetCriteria().GetValue()
	k, v, ok := strings.Cut(strings.TrimPrefix(crit, "Task?"), "=")
	org, okOrg := strings.CutPrefix(v, "Organization/")
	if !strings.HasPrefix(crit, "Task?") || !ok || !okOrg || org == "" || (k != "owner" && k != "requester") || strings.ContainsAny(org, "&/?=") {
		return nil, unsupported("Subscription.criteria", "criteria are Task?owner=Organization/{id} or Task?requester=Organization/{id}")
	}
	if "organizations/"+org != c.id.Organization {
		return nil, forbidden("Subscription.criteria", "a Subscription may name only the caller's own organisation, %s", strings.TrimPrefix(c.id.Organization, "organizations/"))
	}
	wh := &referralv1.Webhook{
		DisplayName: "FHIR Subscription " + crit,
		Url:         ch.GetEndpoint().GetValue(),
		Format:      referralv1.WebhookFormat_WEBHOOK_FORMAT_FHIR_REST_HOOK,
		Criteria:    crit,
	}
	for n := range referralv1.WebhookEventType_name {
		if n != 0 {
			wh.EventTypes = append(wh.EventTypes, referralv1.WebhookEventType(n))
		}
	}
	return wh, nil
}

// subscriptionOf is webhook wh as a Subscription: active while it delivers, error when the
// engine disabled it (the reason in error), off otherwise.
func subscriptionOf(wh *referralv1.Webhook) *subpb.Subscription {
	sid := wh.GetName()[strings.LastIndex(wh.GetName(), "/")+1:]
	st := c4.SubscriptionStatusCode_ACTIVE
	var errText *d4.String
	switch {
	case wh.GetState() == referralv1.Webhook_STATE_DISABLED && wh.GetDisabledReason() != "":
		st, errText = c4.SubscriptionStatusCode_ERROR, str(wh.GetDisabledReason())
	case wh.GetState() != referralv1.Webhook_STATE_ACTIVE:
		st = c4.SubscriptionStatusCode_OFF
	}
	return &subpb.Subscription{
		Id:       id(sid),
		Meta:     &d4.Meta{VersionId: id(versionOf(wh.GetEtag())), LastUpdated: instant(wh.GetUpdateTime())},
		Status:   &subpb.Subscription_StatusCode{Value: st},
		Reason:   str(wh.GetDisplayName()),
		Criteria: str(wh.GetCriteria()),
		Error:    errText,
		Channel: &subpb.Subscription_Channel{
			Type:     &subpb.Subscription_Channel_TypeCode{Value: c4.SubscriptionChannelTypeCode_REST_HOOK},
			Endpoint: &d4.Url{Value: wh.GetUrl()},
			Payload: &subpb.Subscription_Channel_PayloadCode{Value: "application/fhir+json", Extension: []*d4.Extension{{
				Url:   uri(payloadContentURL),
				Value: &d4.Extension_ValueX{Choice: &d4.Extension_ValueX_Code{Code: code("id-only")}},
			}}},
		},
	}
}

// versionOf is an etag usable as a FHIR id.
func versionOf(etag string) string {
	v := strings.Map(func(r rune) rune {
		if r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, etag)
	if v == "" {
		v = "1"
	}
	if len(v) > 64 {
		v = v[:64]
	}
	return v
}

func (h *Handler) readSubscription(w http.ResponseWriter, c *call) *problem {
	if !scopeGrants(c.id, "Subscription", 'r') {
		return needScope("Subscription", 'r')
	}
	if p := needOrg(c); p != nil {
		return p
	}
	wh, err := h.webhooks.GetWebhook(c.ctx, &referralv1.GetWebhookRequest{Name: c.webhookName(c.r.PathValue("id"))})
	if err != nil {
		return fromRPC(err, "Subscription.id", false, nil)
	}
	if wh.GetFormat() != referralv1.WebhookFormat_WEBHOOK_FORMAT_FHIR_REST_HOOK {
		return notFound("Subscription.id", "there is no Subscription %s", printable(c.r.PathValue("id")))
	}
	return h.write(w, c, http.StatusOK, subscriptionOf(wh), "", wh.GetUpdateTime().AsTime())
}

func (h *Handler) deleteSubscription(w http.ResponseWriter, c *call) *problem {
	if !scopeGrants(c.id, "Subscription", 'd') {
		return needScope("Subscription", 'd')
	}
	if p := needOrg(c); p != nil {
		return p
	}
	name := c.webhookName(c.r.PathValue("id"))
	wh, err := h.webhooks.GetWebhook(c.ctx, &referralv1.GetWebhookRequest{Name: name})
	if err != nil {
		return fromRPC(err, "Subscription.id", false, nil)
	}
	if wh.GetFormat() != referralv1.WebhookFormat_WEBHOOK_FORMAT_FHIR_REST_HOOK {
		return notFound("Subscription.id", "there is no Subscription %s", printable(c.r.PathValue("id")))
	}
	if _, err := h.webhooks.DeleteWebhook(c.ctx, &referralv1.DeleteWebhookRequest{Name: name}); err != nil {
		return fromRPC(err, "Subscription.id", false, nil)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// searchSubscriptions lists the caller's organisation's Subscriptions, optionally by status.
func (h *Handler) searchSubscriptions(w http.ResponseWriter, c *call) *problem {
	if !scopeGrants(c.id, "Subscription", 's') {
		return needScope("Subscription", 's')
	}
	if p := needOrg(c); p != nil {
		return p
	}
	q := c.r.URL.Query()
	for k := range q {
		if k != "status" && !strings.HasPrefix(k, "_") {
			return unsupported(k, "Subscription is searched by status only")
		}
	}
	want := q.Get("status")
	b := &bcrpb.Bundle{
		Type: &bcrpb.Bundle_TypeCode{Value: c4.BundleTypeCode_SEARCHSET},
	}
	tok := ""
	for {
		resp, err := h.webhooks.ListWebhooks(c.ctx, &referralv1.ListWebhooksRequest{Parent: c.id.Organization, PageSize: 100, PageToken: tok})
		if err != nil {
			return fromRPC(err, "", false, nil)
		}
		for _, wh := range resp.GetWebhooks() {
			if wh.GetFormat() != referralv1.WebhookFormat_WEBHOOK_FORMAT_FHIR_REST_HOOK {
				continue
			}
			s := subscriptionOf(wh)
			if want != "" && !strings.EqualFold(strings.ReplaceAll(s.GetStatus().GetValue().String(), "_", "-"), want) {
				continue
			}
			b.Entry = append(b.Entry, &bcrpb.Bundle_Entry{
				FullUrl:  uri(c.base + "/Subscription/" + s.GetId().GetValue()),
				Resource: wrap(s),
				Search:   &bcrpb.Bundle_Entry_Search{Mode: &bcrpb.Bundle_Entry_Search_ModeCode{Value: c4.SearchEntryModeCode_MATCH}},
			})
		}
		if tok = resp.GetNextPageToken(); tok == "" {
			break
		}
	}
	b.Total = &d4.UnsignedInt{Value: uint32(len(b.Entry))}
	return h.write(w, c, http.StatusOK, b, "", time.Time{})
}
