package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/aip/pagination"
	"github.com/socialrx/socialrx/services/platform/aip/requestid"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
	"github.com/socialrx/socialrx/services/platform/storage/docstore"
	"github.com/socialrx/socialrx/services/platform/validation"
	"github.com/socialrx/socialrx/services/referral/internal/notify"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// Webhooks serves WebhookService: an organisation's system client manages its webhooks and reads
// their delivery log; the notify engine delivers.
type Webhooks struct {
	referralv1.UnimplementedWebhookServiceServer
	st        *store.Store
	engine    *notify.Engine
	validator *validation.Validator
	now       func() time.Time
	logger    *slog.Logger
}

var _ referralv1.WebhookServiceServer = (*Webhooks)(nil)

// NewWebhooks returns the WebhookService handler.
func NewWebhooks(st *store.Store, engine *notify.Engine, v *validation.Validator, now func() time.Time, logger *slog.Logger) *Webhooks {
	return &Webhooks{st: st, engine: engine, validator: v, now: now, logger: logger}
}

// DefaultPreviousSecretTTL is how long a rotated-out secret still signs when the request does not
// say.
const DefaultPreviousSecretTTL = 24 * time.Hour

// orgOf is the organisation of a webhook or delivery name, "organizations/{organization}".
func orgOf(name string) string {
	parts := strings.SplitN(name, "/", 3)
	if len(parts) < 2 {
		return ""
	}
	return parts[0] + "/" + parts[1]
}

// allow checks that the caller may manage the webhooks of organisation org.
func allow(ctx context.Context, org string) error {
	return policy.Check(auth.FromContext(ctx), policy.WebhookManage, policy.Facts{OwnerOrganization: org}, org)
}

func (s *Webhooks) fail(ctx context.Context, err error, name string) error {
	return apierror.FromStore(ctx, s.logger, err, name)
}

// checkTarget validates a webhook's URL, format and criteria.
func (s *Webhooks) checkTarget(ctx context.Context, w *store.Webhook) error {
	if err := s.engine.Guard().CheckURL(ctx, w.URL); err != nil {
		return apierror.Field("webhook.url", err.Error())
	}
	if w.Criteria != "" && w.Format != store.FormatFHIRRestHook {
		return apierror.Field("webhook.criteria", "criteria is for the FHIR_REST_HOOK format only")
	}
	if _, _, err := notify.ParseCriteria(w.Criteria); err != nil {
		return apierror.Field("webhook.criteria", err.Error())
	}
	return nil
}

// CreateWebhook implements WebhookService.
func (s *Webhooks) CreateWebhook(ctx context.Context, req *referralv1.CreateWebhookRequest) (*referralv1.Webhook, error) {
	if err := allow(ctx, req.GetParent()); err != nil {
		return nil, err
	}
	in := req.GetWebhook()
	w := &store.Webhook{Organization: req.GetParent(), DisplayName: in.GetDisplayName(), URL: in.GetUrl(),
		EventTypes: eventTypesOf(in.GetEventTypes()), Format: formatOf(in.GetFormat()), Criteria: in.GetCriteria(),
		State: store.WebhookActive, Secret: notify.NewSecret()}
	if err := s.checkTarget(ctx, w); err != nil {
		return nil, err
	}
	key := requestid.Key(auth.FromContext(ctx), req.GetRequestId(), req.GetParent())
	id := req.GetWebhookId()
	switch {
	case id != "":
	case key != "":
		id = "wh-" + key[:16]
	default:
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = "wh-" + hex.EncodeToString(b)
	}
	w.ID, w.RequestID = req.GetParent()+"/webhooks/"+id, key
	created, err := s.st.Webhooks.Create(ctx, auth.FromContext(ctx).Subject, w)
	if err != nil {
		return nil, s.fail(ctx, err, w.ID)
	}
	return webhookProto(created, true), nil
}

// get loads a webhook the caller may manage.
func (s *Webhooks) get(ctx context.Context, name string) (*store.Webhook, error) {
	if err := allow(ctx, orgOf(name)); err != nil {
		return nil, err
	}
	w, err := s.st.Webhooks.Get(ctx, name)
	if err != nil {
		return nil, s.fail(ctx, err, name)
	}
	return w, nil
}

// GetWebhook implements WebhookService.
func (s *Webhooks) GetWebhook(ctx context.Context, req *referralv1.GetWebhookRequest) (*referralv1.Webhook, error) {
	w, err := s.get(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	return webhookProto(w, false), nil
}

// ListWebhooks implements WebhookService.
func (s *Webhooks) ListWebhooks(ctx context.Context, req *referralv1.ListWebhooksRequest) (*referralv1.ListWebhooksResponse, error) {
	if err := allow(ctx, req.GetParent()); err != nil {
		return nil, err
	}
	all, err := s.st.Webhooks.All(ctx)
	if err != nil {
		return nil, s.fail(ctx, err, req.GetParent())
	}
	var mine []*store.Webhook
	for _, w := range all {
		if w.Organization == req.GetParent() {
			mine = append(mine, w)
		}
	}
	slices.SortFunc(mine, func(a, b *store.Webhook) int { return a.CreateTime.Compare(b.CreateTime) })
	page, next, err := pagination.Offset(req, req.GetPageSize(), req.GetPageToken(), 0, mine)
	if err != nil {
		return nil, err
	}
	resp := &referralv1.ListWebhooksResponse{NextPageToken: next}
	for _, w := range page {
		resp.Webhooks = append(resp.Webhooks, webhookProto(w, false))
	}
	return resp, nil
}

var webhookName = regexp.MustCompile(`^organizations/[A-Za-z0-9][A-Za-z0-9._-]{0,62}/webhooks/[a-z0-9][a-z0-9-]{0,62}$`)

// updatable are the fields UpdateWebhook changes.
var updatable = []string{"display_name", "url", "event_types", "format", "criteria", "state"}

// UpdateWebhook implements WebhookService.
func (s *Webhooks) UpdateWebhook(ctx context.Context, req *referralv1.UpdateWebhookRequest) (*referralv1.Webhook, error) {
	in := req.GetWebhook()
	name := in.GetName()
	if !webhookName.MatchString(name) {
		return nil, apierror.Field("webhook.name", "must be organizations/{organization}/webhooks/{webhook}")
	}
	if _, err := s.get(ctx, name); err != nil {
		return nil, err
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 || slices.Equal(paths, []string{"*"}) {
		paths = updatable
	}
	for _, p := range paths {
		if !slices.Contains(updatable, p) {
			return nil, apierror.Field("update_mask", p+" cannot be changed; the fields are "+strings.Join(updatable, ", "))
		}
	}
	if slices.Contains(paths, "state") && in.GetState() == referralv1.Webhook_STATE_UNSPECIFIED {
		return nil, apierror.Field("webhook.state", "set STATE_ACTIVE or STATE_DISABLED")
	}
	var checkErr error
	updated, err := s.st.Webhooks.Update(ctx, auth.FromContext(ctx).Subject, name, in.GetEtag(), func(w *store.Webhook) error {
		for _, p := range paths {
			switch p {
			case "display_name":
				w.DisplayName = in.GetDisplayName()
			case "url":
				w.URL = in.GetUrl()
			case "event_types":
				w.EventTypes = eventTypesOf(in.GetEventTypes())
			case "format":
				w.Format = formatOf(in.GetFormat())
			case "criteria":
				w.Criteria = in.GetCriteria()
			case "state":
				if in.GetState() == referralv1.Webhook_STATE_ACTIVE {
					w.State, w.DisabledReason, w.DisableTime, w.FailingSince = store.WebhookActive, "", nil, nil
				} else if w.State != store.WebhookDisabled {
					now := s.now()
					w.State, w.DisabledReason, w.DisableTime = store.WebhookDisabled, "disabled by "+auth.FromContext(ctx).Subject, &now
				}
			}
		}
		if checkErr = s.validator.Check(webhookProto(w, false), "webhook"); checkErr != nil {
			return checkErr
		}
		checkErr = s.checkTarget(ctx, w)
		return checkErr
	})
	if checkErr != nil {
		return nil, checkErr
	}
	if err != nil {
		return nil, s.fail(ctx, err, name)
	}
	s.engine.Wake()
	return webhookProto(updated, false), nil
}

// DeleteWebhook implements WebhookService.
func (s *Webhooks) DeleteWebhook(ctx context.Context, req *referralv1.DeleteWebhookRequest) (*emptypb.Empty, error) {
	if _, err := s.get(ctx, req.GetName()); err != nil {
		return nil, err
	}
	if err := s.st.Webhooks.Delete(ctx, auth.FromContext(ctx).Subject, req.GetName(), req.GetEtag()); err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	return &emptypb.Empty{}, nil
}

// RotateWebhookSecret implements WebhookService.
func (s *Webhooks) RotateWebhookSecret(ctx context.Context, req *referralv1.RotateWebhookSecretRequest) (*referralv1.Webhook, error) {
	if _, err := s.get(ctx, req.GetName()); err != nil {
		return nil, err
	}
	ttl := req.GetPreviousSecretTtl().AsDuration()
	if ttl == 0 {
		ttl = DefaultPreviousSecretTTL
	}
	updated, err := s.st.Webhooks.Update(ctx, auth.FromContext(ctx).Subject, req.GetName(), "", func(w *store.Webhook) error {
		until := s.now().Add(ttl)
		w.PreviousSecret, w.PreviousExpire, w.Secret = w.Secret, &until, notify.NewSecret()
		return nil
	})
	if err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	return webhookProto(updated, true), nil
}

// ListWebhookDeliveries implements WebhookService.
func (s *Webhooks) ListWebhookDeliveries(ctx context.Context, req *referralv1.ListWebhookDeliveriesRequest) (*referralv1.ListWebhookDeliveriesResponse, error) {
	w, err := s.get(ctx, req.GetParent())
	if err != nil {
		return nil, err
	}
	all, err := s.st.Notifications.DeliveriesOf(ctx, w.ID)
	if err != nil {
		return nil, s.fail(ctx, err, w.ID)
	}
	page, next, err := pagination.Offset(req, req.GetPageSize(), req.GetPageToken(), 0, all)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(page))
	for i, d := range page {
		ids[i] = d.ID
	}
	attempts, err := s.st.Notifications.AttemptsOf(ctx, ids)
	if err != nil {
		return nil, s.fail(ctx, err, w.ID)
	}
	resp := &referralv1.ListWebhookDeliveriesResponse{NextPageToken: next}
	for _, d := range page {
		resp.Deliveries = append(resp.Deliveries, deliveryProto(w, &d, attempts[d.ID]))
	}
	return resp, nil
}

// RedeliverWebhookDelivery implements WebhookService.
func (s *Webhooks) RedeliverWebhookDelivery(ctx context.Context, req *referralv1.RedeliverWebhookDeliveryRequest) (*referralv1.WebhookDelivery, error) {
	hook, id, _ := strings.Cut(req.GetName(), "/deliveries/")
	w, err := s.get(ctx, hook)
	if err != nil {
		return nil, err
	}
	d, err := s.st.Notifications.Delivery(ctx, id)
	if err == nil && d.Webhook != w.ID {
		err = docstore.ErrNotFound
	}
	if err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	d.State, d.NextTime = store.DeliveryPending, s.now()
	if err := s.st.Notifications.SaveDelivery(ctx, d); err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	if err := s.st.Notifications.Reschedule(ctx, store.PendingDelivery{ID: d.ID, Webhook: d.Webhook, Seq: d.Seq,
		Index: d.Index, NextTime: d.NextTime}); err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	s.engine.Wake()
	attempts, err := s.st.Notifications.AttemptsOf(ctx, []string{d.ID})
	if err != nil {
		return nil, s.fail(ctx, err, req.GetName())
	}
	return deliveryProto(w, d, attempts[d.ID]), nil
}

// eventTypesOf and formatOf convert the API enums to the stored names.
func eventTypesOf(in []referralv1.WebhookEventType) []string {
	var out []string
	for _, t := range in {
		if i := int(t) - 1; i >= 0 && i < len(notify.EventTypes) && !slices.Contains(out, notify.EventTypes[i]) {
			out = append(out, notify.EventTypes[i])
		}
	}
	return out
}

func eventTypeProto(t string) referralv1.WebhookEventType {
	return referralv1.WebhookEventType(slices.Index(notify.EventTypes, t) + 1)
}

func formatOf(f referralv1.WebhookFormat) string {
	if f == referralv1.WebhookFormat_WEBHOOK_FORMAT_FHIR_REST_HOOK {
		return store.FormatFHIRRestHook
	}
	return store.FormatStandard
}

func ts(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}

func webhookProto(w *store.Webhook, withSecret bool) *referralv1.Webhook {
	out := &referralv1.Webhook{Name: w.ID, DisplayName: w.DisplayName, Url: w.URL, Criteria: w.Criteria,
		Format: referralv1.WebhookFormat_WEBHOOK_FORMAT_STANDARD_WEBHOOKS, State: referralv1.Webhook_STATE_ACTIVE,
		DisabledReason: w.DisabledReason, DisableTime: ts(w.DisableTime), PreviousSecretExpireTime: ts(w.PreviousExpire),
		CreateTime: timestamppb.New(w.CreateTime), UpdateTime: timestamppb.New(w.UpdateTime), Etag: w.Etag()}
	for _, t := range w.EventTypes {
		out.EventTypes = append(out.EventTypes, eventTypeProto(t))
	}
	if w.Format == store.FormatFHIRRestHook {
		out.Format = referralv1.WebhookFormat_WEBHOOK_FORMAT_FHIR_REST_HOOK
	}
	if w.State == store.WebhookDisabled {
		out.State = referralv1.Webhook_STATE_DISABLED
	}
	if withSecret {
		out.Secret = w.Secret
	}
	return out
}

func deliveryProto(w *store.Webhook, d *store.Delivery, attempts []store.Attempt) *referralv1.WebhookDelivery {
	out := &referralv1.WebhookDelivery{Name: w.ID + "/deliveries/" + d.ID, EventType: eventTypeProto(d.Type),
		Referral: "referrals/" + d.Referral, Payload: d.Body, CreateTime: timestamppb.New(d.CreateTime),
		State: referralv1.WebhookDelivery_STATE_SUCCEEDED}
	if d.State == store.DeliveryPending {
		out.State, out.NextAttemptTime = referralv1.WebhookDelivery_STATE_PENDING, timestamppb.New(d.NextTime)
		if w.State == store.WebhookDisabled {
			out.State = referralv1.WebhookDelivery_STATE_HELD
		}
	}
	for _, a := range attempts {
		out.Attempts = append(out.Attempts, &referralv1.WebhookAttempt{Number: int32(a.Number), StartTime: timestamppb.New(a.StartTime),
			EndTime: ts(a.EndTime), StatusCode: int32(a.StatusCode), Error: a.Error})
	}
	return out
}
