package server

import (
	"context"
	"path"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/aip/names"
	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
	"github.com/socialrx/socialrx/services/platform/policy"
	"github.com/socialrx/socialrx/services/referral/internal/domain"
	"github.com/socialrx/socialrx/services/referral/internal/store"
)

// methodActions says which policy action each RPC takes. Methods on one referral are checked
// against the stored referral before their handler runs, and again on the version a change
// applies to; list methods filter each hit with policy.ReferralRead.
var methodActions = map[string]policy.Action{
	"CreateReferral":             policy.ReferralCreate,
	"GetReferral":                policy.ReferralRead,
	"ListTimeline":               policy.ReferralRead,
	"ListReferrals":              policy.ReferralList,
	"CountReferrals":             policy.ReferralList,
	"SearchReferrals":            policy.ReferralList,
	"WatchReferrals":             policy.ReferralList,
	"UpdateReferral":             policy.ReferralUpdate,
	"RecordConsent":              policy.ReferralRefer,
	"WithdrawConsent":            policy.ReferralRefer,
	"SubmitReferral":             policy.ReferralRefer,
	"MarkReferralEnteredInError": policy.ReferralRefer,
	"AcceptReferral":             policy.ReferralRespond,
	"RejectReferral":             policy.ReferralRespond,
	"StartReferral":              policy.ReferralRespond,
	"HoldReferral":               policy.ReferralRespond,
	"ResumeReferral":             policy.ReferralRespond,
	"CompleteReferral":           policy.ReferralRespond,
	"FailReferral":               policy.ReferralRespond,
	"AddGoal":                    policy.ReferralRespond,
	"UpdateGoalProgress":         policy.ReferralRespond,
	"RecordMeasure":              policy.ReferralRespond,
	"BookEvent":                  policy.ReferralRespond,
	"CancelReferral":             policy.ReferralShare,
	"AddTimelineNote":            policy.ReferralShare,
	"SearchAuditRecords":         policy.AuditRead,
}

// servicePrefix starts the full names of the referral service's methods.
var servicePrefix = "/" + referralv1.ReferralService_ServiceDesc.ServiceName + "/"

// facts are what the policy knows of a referral.
func facts(r *store.Referral) policy.Facts {
	return policy.Facts{ReferringOrganization: r.ReferringOrganization, ReceivingOrganization: r.ReceivingOrganization,
		Assignee: r.Assignee, Draft: r.Status == domain.Draft}
}

// methodOf is the short name of the RPC being served, e.g. "GetReferral".
func methodOf(ctx context.Context) string {
	m, _ := grpc.Method(ctx)
	return path.Base(m)
}

// actionOf is the policy action of the RPC being served.
func actionOf(ctx context.Context) (policy.Action, error) {
	return actionFor(methodOf(ctx))
}

func actionFor(method string) (policy.Action, error) {
	a, ok := methodActions[method]
	if !ok {
		// A method added to the proto without a row here is refused rather than left open.
		return "", apierror.New(codes.PermissionDenied, apierror.ReasonPermissionDenied, method+" has no access rule", nil)
	}
	return a, nil
}

// named is a request on one referral.
type named interface{ GetName() string }

// Authorize checks every unary call against the policy before its handler runs: the role for
// the method, then, for a request on one referral, the stored referral. A caller who may not
// see the referral gets the same NOT_FOUND as for one that does not exist. Every referral
// answered then carries what this caller may do to it.
func (s *Server) Authorize(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if !strings.HasPrefix(info.FullMethod, servicePrefix) {
		return handler(ctx, req) // health, reflection: no referral data
	}
	id := auth.FromContext(ctx)
	a, err := actionOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := policy.CheckMethod(id, a); err != nil {
		return nil, err
	}
	name, field := "", "name"
	switch r := req.(type) {
	case *referralv1.CreateReferralRequest:
		in := r.GetReferral()
		if err := policy.Check(id, a, policy.Facts{ReferringOrganization: in.GetReferringOrganization(),
			ReceivingOrganization: in.GetReceivingOrganization()}, ""); err != nil {
			return nil, err
		}
	case *referralv1.UpdateReferralRequest:
		name, field = r.GetReferral().GetName(), "referral.name"
	case named:
		name = r.GetName()
	}
	if name != "" {
		// A malformed name is the caller's mistake, told as such, not a referral not found.
		var id string
		if err := names.ParseField(field, name, referralPattern, &id); err != nil {
			return nil, err
		}
		r, err := s.authorized(ctx, name, a)
		if err != nil {
			return nil, err
		}
		ctx = context.WithValue(ctx, checkedKey{}, checked{name: name, action: a, r: r})
	}
	resp, err := handler(ctx, req)
	if err == nil {
		forCaller(id, resp)
	}
	return resp, err
}

// AuthorizeStream checks the role of every streaming call; each streamed item is then
// filtered by the handler.
func (s *Server) AuthorizeStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if !strings.HasPrefix(info.FullMethod, servicePrefix) {
		return handler(srv, ss)
	}
	a, err := actionFor(path.Base(info.FullMethod))
	if err != nil {
		return err
	}
	if err := policy.CheckMethod(auth.FromContext(ss.Context()), a); err != nil {
		return err
	}
	return handler(srv, ss)
}

// checked is the referral Authorize loaded and allowed, so a handler reading it for the same
// action need not read it again.
type checked struct {
	name   string
	action policy.Action
	r      *store.Referral
}

type checkedKey struct{}

// authorized loads the referral called name and checks action a on it. A refusal of a referral
// that exists is itself audited.
func (s *Server) authorized(ctx context.Context, name string, a policy.Action) (*store.Referral, error) {
	if c, ok := ctx.Value(checkedKey{}).(checked); ok && c.name == name && c.action == a {
		return c.r, nil
	}
	r, err := s.st.Referrals.Get(ctx, idOf(name))
	if err != nil {
		return nil, s.fail(ctx, err, name)
	}
	if err := policy.Check(auth.FromContext(ctx), a, facts(r), name); err != nil {
		_ = s.audit(ctx, auditAction(a), err, name)
		return nil, err
	}
	return r, nil
}
