package domain

// Actions a caller takes on a referral: the API's ReferralAction names without prefix, one per
// method that changes a referral.
const (
	ActUpdate             = "UPDATE"
	ActRecordConsent      = "RECORD_CONSENT"
	ActWithdrawConsent    = "WITHDRAW_CONSENT"
	ActSubmit             = "SUBMIT"
	ActAccept             = "ACCEPT"
	ActReject             = "REJECT"
	ActStart              = "START"
	ActHold               = "HOLD"
	ActResume             = "RESUME"
	ActComplete           = "COMPLETE"
	ActFail               = "FAIL"
	ActCancel             = "CANCEL"
	ActMarkEnteredInError = "MARK_ENTERED_IN_ERROR"
	ActAddTimelineNote    = "ADD_TIMELINE_NOTE"
	ActAddGoal            = "ADD_GOAL"
	ActUpdateGoalProgress = "UPDATE_GOAL_PROGRESS"
	ActRecordMeasure      = "RECORD_MEASURE"
	ActBookEvent          = "BOOK_EVENT"
)

// Side is whose change an action is; the policy says which sides a caller may act for.
type Side int

// Sides.
const (
	// Updater: the details either side may edit (UpdateReferral; the policy limits the fields).
	Updater Side = iota
	// Referrer: the referring side's changes.
	Referrer
	// Responder: the receiving side's changes.
	Responder
	// Either side.
	Either
)

// Caller is what the policy lets one caller do on one referral.
type Caller struct {
	Update, Refer, Respond, Share bool
}

func (c Caller) may(s Side) bool {
	switch s {
	case Updater:
		return c.Update
	case Referrer:
		return c.Refer
	case Responder:
		return c.Respond
	}
	return c.Share
}

// State is what the rules read of a referral.
type State struct {
	Status string
	// Consent is true when consent was recorded and not withdrawn.
	Consent bool
	Goals   int
}

// Working reports whether goals, measures and bookings may be recorded in status.
func Working(status string) bool {
	return status == Accepted || status == InProgress || status == OnHold
}

// actionRule is one action: whose it is and when the referral allows it.
type actionRule struct {
	name string
	side Side
	when func(State) bool
}

func byMethod(method string) func(State) bool {
	return func(s State) bool { return Allowed(method, s.Status) }
}

func open(s State) bool { return s.Status != "" && !Terminal(s.Status) }

// actionRules are in the order AllowedActions lists them.
var actionRules = []actionRule{
	{ActUpdate, Updater, open},
	{ActRecordConsent, Referrer, open},
	{ActWithdrawConsent, Referrer, func(s State) bool { return s.Consent }},
	{ActSubmit, Referrer, func(s State) bool { return Allowed("submit", s.Status) && s.Consent }},
	{ActAccept, Responder, byMethod("accept")},
	{ActReject, Responder, byMethod("reject")},
	{ActStart, Responder, byMethod("start")},
	{ActHold, Responder, byMethod("hold")},
	{ActResume, Responder, byMethod("resume")},
	{ActComplete, Responder, byMethod("complete")},
	{ActFail, Responder, byMethod("fail")},
	{ActCancel, Either, byMethod("cancel")},
	{ActMarkEnteredInError, Referrer, byMethod("markEnteredInError")},
	{ActAddTimelineNote, Either, open},
	{ActAddGoal, Responder, func(s State) bool { return Working(s.Status) }},
	{ActUpdateGoalProgress, Responder, func(s State) bool { return Working(s.Status) && s.Goals > 0 }},
	{ActRecordMeasure, Responder, func(s State) bool { return Working(s.Status) }},
	{ActBookEvent, Responder, func(s State) bool { return s.Status == InProgress && s.Consent }},
}

// AllowedActions lists what caller c may do to a referral in state s: the actions its status
// (and consent, and goals) allow, of the sides the policy lets c act for.
func AllowedActions(s State, c Caller) []string {
	var out []string
	for _, a := range actionRules {
		if c.may(a.side) && a.when(s) {
			out = append(out, a.name)
		}
	}
	return out
}
