package policy

import (
	"fmt"

	"google.golang.org/grpc/codes"

	"github.com/socialrx/socialrx/services/platform/apierror"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// Action is something a caller does to a kind of object.
type Action string

// Actions on referrals (referral service).
const (
	// ReferralCreate makes a referral; Facts are the new referral's organisations.
	ReferralCreate Action = "referral.create"
	// ReferralRead returns a referral or its timeline with the person's details.
	ReferralRead Action = "referral.read"
	// ReferralUpdate changes details through UpdateReferral; see EditableFields.
	ReferralUpdate Action = "referral.update"
	// ReferralRefer is a referrer's change: consent, submit, entered in error.
	ReferralRefer Action = "referral.refer"
	// ReferralRespond is a responder's change: accept, reject, start, hold, resume, complete,
	// fail, goals, measures and event bookings.
	ReferralRespond Action = "referral.respond"
	// ReferralShare is a change either side makes: cancel, timeline notes.
	ReferralShare Action = "referral.share"
	// ReferralList lists, counts, searches or watches referrals; each hit is then checked with
	// ReferralRead.
	ReferralList Action = "referral.list"
	// ImpactRead reads the impact report of the referrals in Facts' organisations (no draft);
	// a caller without it gets the public, network-wide report.
	ImpactRead Action = "impact.read"
	// AuditRead queries the audit trail of personal data.
	AuditRead Action = "audit.read"
	// AuditRecordRead sees one audit record; Facts are the audited referral's organisations
	// (when it is about a referral) and the organisation of whoever acted.
	AuditRecordRead Action = "audit.record.read"
)

// Actions on webhooks (referral service).
const (
	// WebhookManage creates, reads, changes or deletes a webhook, reads its delivery log and
	// asks for a redelivery; Facts are the webhook's organisation.
	WebhookManage Action = "webhook.manage"
)

// Actions on the directory.
const (
	DirectoryRead  Action = "directory.read"
	DirectoryWrite Action = "directory.write"
)

// Actions on events, sessions and registrations (event service).
const (
	// EventCreate makes an event; Facts are its host organisation.
	EventCreate Action = "event.create"
	// EventRead gets or lists an event or its sessions.
	EventRead Action = "event.read"
	// EventManage changes an event or its sessions, or closes a session's attendance.
	EventManage Action = "event.manage"
	// EventModerate publishes or rejects a submitted event.
	EventModerate Action = "event.moderate"
	// EventSearch is the public listing and calendars.
	EventSearch Action = "event.search"
	// RegistrationCreate registers a person; naming a referral needs RegistrationForReferral.
	RegistrationCreate Action = "registration.create"
	// RegistrationForReferral sets the referral of a registration.
	RegistrationForReferral Action = "registration.referral"
	// RegistrationRead gets or lists registrations (given name, needs and state).
	RegistrationRead Action = "registration.read"
	// RegistrationContacts sees a registrant's family name, email, phone and referral.
	RegistrationContacts Action = "registration.contacts"
	// RegistrationCancel cancels a registration.
	RegistrationCancel Action = "registration.cancel"
	// RegistrationAttend checks a registrant in.
	RegistrationAttend Action = "registration.attend"
	// ChangesRead follows the registration change feed.
	ChangesRead Action = "changes.read"
)

// Public stands for every caller, signed in or not, in a Rule.
const Public = ""

// Facts are what a decision needs to know about the object.
type Facts struct {
	// Referrals.
	ReferringOrganization string
	ReceivingOrganization string
	Assignee              string
	// Draft is true for a referral not yet sent: the receiving side does not see it.
	Draft bool

	// Events and their sessions and registrations.
	HostOrganization string
	// EventState is the event's state, e.g. "PUBLISHED".
	EventState string
	// TokenValid is true when the caller presented the registration's private cancel token.
	TokenValid bool

	// ActorOrganization is the organisation of whoever an audit record says acted.
	ActorOrganization string

	// OwnerOrganization is the organisation a webhook belongs to.
	OwnerOrganization string
}

// Relation is what must hold between caller and object.
type Relation struct {
	Name  string
	Holds func(id auth.Identity, f Facts) bool
}

// The relations of the table.
var (
	Any = Relation{"any", func(auth.Identity, Facts) bool { return true }}
	// ReferrerOrg: the caller's organisation made the referral.
	ReferrerOrg = Relation{"referrer organisation", func(id auth.Identity, f Facts) bool {
		return id.Organization != "" && id.Organization == f.ReferringOrganization
	}}
	// ReceiverOrg: the referral was sent to the caller's organisation.
	ReceiverOrg = Relation{"receiving organisation", func(id auth.Identity, f Facts) bool {
		return !f.Draft && id.Organization != "" && id.Organization == f.ReceivingOrganization
	}}
	// ReceiverAssignedOrOpen: sent to the caller's organisation and assigned to the caller or
	// to nobody yet.
	ReceiverAssignedOrOpen = Relation{"assigned to the caller or unassigned", func(id auth.Identity, f Facts) bool {
		return ReceiverOrg.Holds(id, f) && (f.Assignee == "" || f.Assignee == id.Subject)
	}}
	// EitherOrg: the caller's organisation made or receives the referral.
	EitherOrg = Relation{"referrer or receiving organisation", func(id auth.Identity, f Facts) bool {
		return ReferrerOrg.Holds(id, f) || ReceiverOrg.Holds(id, f)
	}}
	// HostOrg: the caller's organisation hosts the event.
	HostOrg = Relation{"host organisation", func(id auth.Identity, f Facts) bool {
		return id.Organization != "" && id.Organization == f.HostOrganization
	}}
	// Listed: the event is on the public listing (published, or cancelled or completed after).
	Listed = Relation{"listed", func(_ auth.Identity, f Facts) bool {
		return f.EventState == "PUBLISHED" || f.EventState == "CANCELLED" || f.EventState == "COMPLETED"
	}}
	// AuditedForOrg: the audit record is about a referral the caller's organisation made or
	// received (drafts included: they are the referrer's), or records what its own staff did.
	AuditedForOrg = Relation{"audited for the caller's organisation", func(id auth.Identity, f Facts) bool {
		org := id.Organization
		return org != "" && (org == f.ReferringOrganization || org == f.ReceivingOrganization || org == f.ActorOrganization)
	}}
	// OwnerOrg: the object (a webhook) belongs to the caller's organisation.
	OwnerOrg = Relation{"owner organisation", func(id auth.Identity, f Facts) bool {
		return id.Organization != "" && id.Organization == f.OwnerOrganization
	}}
	// HoldsToken: the caller presented the registration's cancel token.
	HoldsToken = Relation{"holds the cancel token", func(_ auth.Identity, f Facts) bool { return f.TokenValid }}
)

// Rule lets Role (or Public) take an action when Relation holds.
type Rule struct {
	Role     string
	Relation Relation
}

// Entry is one row of the table: the rules, and the action that decides whether a caller who
// may not take this one may at least see the object (then the refusal is PERMISSION_DENIED,
// not NOT_FOUND).
type Entry struct {
	Rules   []Rule
	Visible Action
	// Create marks an action that makes a new object: there is nothing to hide, so a relation
	// that does not hold (another organisation named) is PERMISSION_DENIED.
	Create bool
}

// Table is the whole policy.
var Table = map[Action]Entry{
	ReferralCreate: {Rules: []Rule{{auth.RoleClinician, ReferrerOrg}, {auth.RoleSystem, ReferrerOrg}}, Create: true},
	ReferralRead: {Rules: []Rule{{auth.RoleClinician, ReferrerOrg}, {auth.RoleLinkWorker, ReceiverOrg},
		{auth.RoleSystem, EitherOrg}}},
	ReferralUpdate: {Rules: []Rule{{auth.RoleClinician, ReferrerOrg}, {auth.RoleLinkWorker, ReceiverAssignedOrOpen},
		{auth.RoleSystem, EitherOrg}}, Visible: ReferralRead},
	ReferralRefer: {Rules: []Rule{{auth.RoleClinician, ReferrerOrg}, {auth.RoleSystem, ReferrerOrg}},
		Visible: ReferralRead},
	ReferralRespond: {Rules: []Rule{{auth.RoleLinkWorker, ReceiverAssignedOrOpen}, {auth.RoleSystem, ReceiverOrg}},
		Visible: ReferralRead},
	ReferralShare: {Rules: []Rule{{auth.RoleClinician, ReferrerOrg}, {auth.RoleLinkWorker, ReceiverAssignedOrOpen},
		{auth.RoleSystem, EitherOrg}}, Visible: ReferralRead},
	ReferralList: {Rules: []Rule{{auth.RoleClinician, Any}, {auth.RoleLinkWorker, Any}, {auth.RoleSystem, Any}}},
	ImpactRead: {Rules: []Rule{{auth.RoleCentreManager, ReceiverOrg}, {auth.RoleLinkWorker, ReceiverOrg},
		{auth.RoleClinician, ReferrerOrg}, {auth.RoleSystem, EitherOrg}, {auth.RoleNetworkAnalyst, Any}}},
	AuditRead: {Rules: []Rule{{auth.RolePrivacyOfficer, Any}, {auth.RoleNetworkPrivacyOfficer, Any}}},
	AuditRecordRead: {Rules: []Rule{{auth.RolePrivacyOfficer, AuditedForOrg},
		{auth.RoleNetworkPrivacyOfficer, Any}}},

	// A webhook is the integration of an organisation's own system: its system client manages
	// it, and it is told only of referrals that client may read (ReferralRead).
	WebhookManage: {Rules: []Rule{{auth.RoleSystem, OwnerOrg}}, Create: true},

	DirectoryRead:  {Rules: []Rule{{Public, Any}}},
	DirectoryWrite: {Rules: []Rule{{auth.RoleDirectoryAdmin, Any}}},

	EventCreate: {Rules: []Rule{{auth.RoleEventHost, HostOrg}}, Create: true},
	EventRead: {Rules: []Rule{{Public, Listed}, {auth.RoleEventHost, HostOrg}, {auth.RoleModerator, Any},
		{auth.RoleService, Any}}},
	EventManage:   {Rules: []Rule{{auth.RoleEventHost, HostOrg}}, Visible: EventRead},
	EventModerate: {Rules: []Rule{{auth.RoleModerator, Any}}, Visible: EventRead},
	EventSearch:   {Rules: []Rule{{Public, Any}}},

	RegistrationCreate:      {Rules: []Rule{{Public, Listed}, {auth.RoleService, Any}}, Visible: EventRead},
	RegistrationForReferral: {Rules: []Rule{{auth.RoleService, Any}}, Create: true},
	RegistrationRead:        {Rules: []Rule{{auth.RoleEventHost, HostOrg}, {auth.RoleService, Any}}},
	RegistrationContacts:    {Rules: []Rule{{auth.RoleService, Any}}},
	RegistrationCancel: {Rules: []Rule{{Public, HoldsToken}, {auth.RoleEventHost, HostOrg}, {auth.RoleService, Any}},
		Visible: RegistrationRead},
	RegistrationAttend: {Rules: []Rule{{auth.RoleEventHost, HostOrg}}, Visible: RegistrationRead},
	ChangesRead:        {Rules: []Rule{{auth.RoleService, Any}}},
}

// Outcome is the answer of the policy.
type Outcome int

// Outcomes, see the package documentation.
const (
	Allow Outcome = iota
	SignIn
	Forbidden
	Hidden
)

func (o Outcome) String() string {
	return [...]string{"ALLOW", "SIGN_IN", "FORBIDDEN", "HIDDEN"}[o]
}

func roleApplies(id auth.Identity, role string) bool {
	return role == Public || (!id.IsAnonymous() && id.HasRole(role))
}

// Method answers whether the caller's roles could ever take action a, before any object is
// read: Allow (go on and Decide on the object), SignIn or Forbidden.
func Method(id auth.Identity, a Action) Outcome {
	e := mustEntry(a)
	for _, r := range e.Rules {
		if roleApplies(id, r.Role) {
			return Allow
		}
	}
	if id.IsAnonymous() {
		return SignIn
	}
	return Forbidden
}

// Decide answers whether the caller may take action a on the object described by f.
func Decide(id auth.Identity, a Action, f Facts) Outcome {
	if m := Method(id, a); m != Allow {
		return m
	}
	e := mustEntry(a)
	for _, r := range e.Rules {
		if roleApplies(id, r.Role) && r.Relation.Holds(id, f) {
			return Allow
		}
	}
	if e.Create || (e.Visible != "" && Decide(id, e.Visible, f) == Allow) {
		return Forbidden
	}
	return Hidden
}

// Can reports whether Decide allows.
func Can(id auth.Identity, a Action, f Facts) bool { return Decide(id, a, f) == Allow }

func mustEntry(a Action) Entry {
	e, ok := Table[a]
	if !ok {
		panic(fmt.Sprintf("policy: no entry for action %q", a))
	}
	return e
}

// Err is the API error for a refusal of action a on resource name; nil for Allow. A Hidden
// refusal is the very error of a missing resource.
func (o Outcome) Err(a Action, name string) error {
	switch o {
	case Allow:
		return nil
	case SignIn:
		return apierror.New(codes.Unauthenticated, apierror.ReasonUnauthenticated,
			"sign in to do this", map[string]string{"action": string(a)})
	case Forbidden:
		return apierror.New(codes.PermissionDenied, apierror.ReasonPermissionDenied,
			"your roles do not allow "+string(a)+" here", map[string]string{"action": string(a)})
	}
	return apierror.NotFound(name)
}

// Check is Decide followed by Err.
func Check(id auth.Identity, a Action, f Facts, name string) error {
	return Decide(id, a, f).Err(a, name)
}

// CheckMethod is Method followed by Err.
func CheckMethod(id auth.Identity, a Action) error {
	return Method(id, a).Err(a, "")
}

// Referral fields a side may change through UpdateReferral.
var (
	referrerFields  = []string{"subject", "needs", "needs_text", "what_matters", "priority", "suggested_service", "suggested_event"}
	responderFields = []string{"what_matters", "suggested_service", "suggested_event", "follow_up_time"}
)

// EditableFields lists the top-level referral fields the caller may change on a referral with
// facts f: the referring side owns the person's details and the reasons; the receiving side
// the plan (what matters, suggestions, follow-up).
func EditableFields(id auth.Identity, f Facts) []string {
	seen := map[string]bool{}
	var out []string
	add := func(fields []string) {
		for _, x := range fields {
			if !seen[x] {
				seen[x] = true
				out = append(out, x)
			}
		}
	}
	if (id.HasRole(auth.RoleClinician) || id.HasRole(auth.RoleSystem)) && ReferrerOrg.Holds(id, f) {
		add(referrerFields)
	}
	if (id.HasRole(auth.RoleLinkWorker) && ReceiverAssignedOrOpen.Holds(id, f)) ||
		(id.HasRole(auth.RoleSystem) && ReceiverOrg.Holds(id, f)) {
		add(responderFields)
	}
	return out
}

// FieldDenied is the PERMISSION_DENIED error for an update mask path the caller may not change.
func FieldDenied(field string) error {
	return apierror.New(codes.PermissionDenied, apierror.ReasonPermissionDenied,
		fmt.Sprintf("your role may not set %q", field),
		map[string]string{"field": field})
}
