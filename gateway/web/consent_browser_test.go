package web_test

import (
	"strings"
	"testing"

	"github.com/socialrx/socialrx/deploy/demodata"
)

// A clinician saves a draft without consent: the page does not offer to send it, and asks for
// consent. The consent form refuses an empty one (in French, once) and a date before the birth
// date beside its field; consent recorded to share with event hosts only, the clinician sends
// it, and the link worker who opens it is not told who the person is.
func TestBrowserReferralConsentRecordedLater(t *testing.T) {
	const given, family = "Philippa", "Ashgrove-Nakamura"
	s := startReferralSite(t)
	cl := newBrowser(t)
	viewport(t, cl, 390, 844)
	// Riverdale refers to Albion Heights: the receiving side is another organisation, which
	// sees the person's details only with their consent (the referring side always does).
	actAs(t, cl, s.base, demodata.ClinicianRiverdale)
	visit(t, cl, s.base+"/referrals/new")
	for id, v := range map[string]string{"p_given": given, "p_family": family, "p_dob": "1953-08-21",
		"what_matters": "Gardening with others.", "receiving": demodata.OrgAlbionCHC} {
		setField(t, cl, id, v)
	}
	clickLabel(t, cl, "needs-0") // loneliness; no consent scope ticked
	follow(t, cl, `button[value="draft"]`)
	if got := text(t, cl, "#flash"); got != "Draft saved." {
		t.Fatalf("flash after saving the draft: %q", got)
	}
	if got := text(t, cl, "#status"); got != "Draft" {
		t.Fatalf("status after saving the draft: %q", got)
	}
	id := strings.TrimPrefix(eval[string](t, cl, `location.pathname`), "/referrals/")
	if n := eval[int](t, cl, `document.querySelectorAll("#send").length`); n != 0 {
		t.Fatal("a draft without consent offers to send it")
	}
	if got := text(t, cl, "#next-step"); !strings.Contains(got, "Record the person’s consent, then send the referral.") {
		t.Fatalf("next step of a draft without consent: %q", got)
	}
	if open := eval[bool](t, cl, `document.getElementById("consent").open`); !open {
		t.Fatal("the consent form is folded away on a draft without consent")
	}
	if n := eval[int](t, cl, `document.querySelectorAll('#consent input[name="consent_scope"]:checked').length`); n != 0 {
		t.Fatalf("%d consent scopes ticked by default; want none", n)
	}
	if got := eval[string](t, cl, `document.getElementById("consent_date").min + " " + document.getElementById("consent_date").max`); !strings.HasPrefix(got, "1953-08-21 2") {
		t.Fatalf("consent date bounds (min max): %q", got)
	}
	checkNoA11yViolations(t, cl, "clinician: draft without consent")
	screenshots(t, cl, "referral-consent")

	// In French, the form and its refusal of an empty consent.
	acceptLanguage(t, cl, "fr-CA,fr;q=0.9")
	visit(t, cl, s.base+"/referrals/"+id)
	for sel, want := range map[string]string{
		"#consent summary":                "Enregistrer le consentement",
		`label[for="consent_by-subject"]`: "La personne elle-même",
		`label[for="consent_by-other"]`:   "Une personne mandataire",
		`label[for="consent_date"]`:       "Date du consentement",
		"#consent_scope legend":           "La personne accepte de",
		`label[for="consent_scope-1"]`:    "Communiquer son prénom et ses besoins aux hôtes des activités",
		"#consent_scope-1-help":           "Les hôtes des activités réservées voient son prénom et ses besoins ; sinon, « Participant·e orienté·e ».",
		"#record-consent":                 "Enregistrer le consentement",
	} {
		if got := text(t, cl, sel); got != want {
			t.Errorf("French %s: %q, want %q", sel, got, want)
		}
	}
	follow(t, cl, "#record-consent")
	if got := text(t, cl, "#consent_scope-error"); got != "Choisissez ce que la personne accepte de communiquer." {
		t.Fatalf("an empty consent, in French: %q", got)
	}
	checkNoA11yViolations(t, cl, "clinician (French): consent without a scope")
	acceptLanguage(t, cl, "en-CA,en;q=0.9")

	// A date before the birth date is the referral service's refusal, beside the date.
	visit(t, cl, s.base+"/referrals/"+id)
	clickLabel(t, cl, "consent_scope-1") // share-with-event-hosts only
	setField(t, cl, "consent_date", "1950-01-01")
	follow(t, cl, "#record-consent")
	if got := text(t, cl, "#consent_date-error"); got != "Enter the date consent was given: not after today, nor before the date of birth." {
		t.Fatalf("a consent date before the birth date: %q", got)
	}
	if got := eval[bool](t, cl, `document.getElementById("consent_scope-1").checked && !document.getElementById("consent_scope-0").checked`); !got {
		t.Fatal("the refused form did not keep the scopes as ticked")
	}
	if n := eval[int](t, cl, `document.querySelectorAll("#send").length`); n != 0 {
		t.Fatal("a refused consent made the draft sendable")
	}
	checkNoA11yViolations(t, cl, "clinician: consent date before the birth date")

	setField(t, cl, "consent_date", "2025-03-04")
	follow(t, cl, "#record-consent")
	if got := text(t, cl, "#flash"); got != "Consent recorded." {
		t.Fatalf("flash after recording consent: %q", got)
	}
	if got := text(t, cl, "#why-h + dl"); !strings.Contains(got, "Given by the person themselves on Tuesday, March 4, 2025: Share their first name and needs with event hosts") {
		t.Fatalf("the consent as the page shows it: %q", got)
	}
	if n := eval[int](t, cl, `document.querySelectorAll("#next-step").length`); n != 0 {
		t.Fatalf("with consent recorded the next step still says: %q", text(t, cl, "#next-step"))
	}
	checkNoA11yViolations(t, cl, "clinician: draft with consent")
	follow(t, cl, "#send")
	if got := text(t, cl, "#status"); got != "Requested" {
		t.Fatalf("status after sending: %q", got)
	}
	checkNoA11yViolations(t, cl, "clinician: sent referral")

	// The link worker sees the referral, not who it is about.
	lw := newBrowser(t)
	viewport(t, lw, 1280, 900)
	actAs(t, lw, s.base, demodata.LinkWorkerAlbion)
	visit(t, lw, s.base+"/worklist")
	if got := text(t, lw, `#requested [data-referral="`+id+`"]`); !strings.Contains(got, "Details not shared (no consent)") {
		t.Fatalf("the worklist's row of the referral: %q", got)
	}
	follow(t, lw, `#requested [data-referral="`+id+`"] a`)
	if got := text(t, lw, "#person-withheld"); got != "Details not shared (no consent)" {
		t.Fatalf("the person on the link worker's page: %q", got)
	}
	if got := text(t, lw, "#what-matters"); got != "Gardening with others." {
		t.Fatalf("what matters, shared without consent to details: %q", got)
	}
	for _, name := range []string{given, family} {
		for what, js := range map[string]string{"text": `document.body.innerText`, "HTML": `document.documentElement.outerHTML`} {
			if strings.Contains(eval[string](t, lw, js), name) {
				t.Errorf("the link worker's page %s names the person (%s)", what, name)
			}
		}
	}
	checkNoA11yViolations(t, lw, "link worker: referral without consent to share details")
}
