package referral_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socialrx/socialrx/gateway"
	"github.com/socialrx/socialrx/gateway/gatewaytest"
	eventv1 "github.com/socialrx/socialrx/proto/socialrx/event/v1"
	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// BenchmarkClosedLoop measures whole loops per second — create (with consent) → submit → accept →
// start → book an event → check in at the event service → complete — with 20 concurrent clients,
// through gRPC and through the REST gateway.
//
//	go test -run='^$' -bench=ClosedLoop -benchtime=400x ./services/referral/
func BenchmarkClosedLoop(b *testing.B) {
	for _, mode := range []string{"grpc", "rest"} {
		b.Run(mode+"/clients=20", func(b *testing.B) { benchLoops(b, mode) })
	}
}

// benchLoops runs b.N loops in a fresh world, so both modes start from empty databases.
func benchLoops(b *testing.B, mode string) {
	w := newWorld(b, 1, 10000)
	// Check-in opens two hours before the start; the session starts in a day, so move the event
	// service's clock to just before it.
	w.clock.Advance(23 * time.Hour)
	base := gatewaytest.Start(b, gateway.Config{DirectoryAddr: w.dir.Addr, EventAddr: w.events.Addr, ReferralAddr: w.referrals[0].Addr})
	ctx := as(context.Background(), clinicianID)
	c, ev := w.rc(), w.events.Client
	var seq atomic.Int64

	grpcLoop := func() error {
		d := draft(true)
		d.Subject.Email = fmt.Sprintf("p%d@example.org", seq.Add(1))
		r, err := c.CreateReferral(ctx, &referralv1.CreateReferralRequest{Referral: d})
		if err != nil {
			return err
		}
		for _, m := range []string{"submit", "accept", "start"} {
			if err := call(ctx, c, m, r.GetName()); err != nil {
				return err
			}
		}
		booked, err := c.BookEvent(lw(ctx), &referralv1.BookEventRequest{Name: r.GetName(), Session: w.session})
		if err != nil {
			return err
		}
		if _, err := ev.CheckInRegistration(host(ctx), &eventv1.CheckInRegistrationRequest{Name: booked.GetBookings()[0].GetRegistration()}); err != nil {
			return err
		}
		return call(ctx, c, "complete", r.GetName())
	}
	restLoop := func() error { return restClosedLoop(base, w.session, seq.Add(1), nil) }
	loop := grpcLoop
	if mode == "rest" {
		loop = restLoop
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 20)
	b.ResetTimer()
	begin := time.Now()
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := loop(); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	b.StopTimer()
	select {
	case err := <-errc:
		b.Fatal(err)
	default:
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "loops/s")
}

// restClosedLoop walks referral n through the gateway as each person would: the clinician
// creates and submits it, the link worker accepts, starts and books it, the host checks the
// person in, the link worker completes it. created, when set, is called once the referral exists.
func restClosedLoop(base, session string, n int64, created func()) error {
	var made map[string]any
	body := fmt.Sprintf(`{"subject": {"givenName": "P", "familyName": "Q", "dateOfBirth": "1950-01-01", "email": "r%d@example.org"},
		"consent": {"grantedBy": "subject", "grantTime": "%s", "scope": ["share-with-event-hosts"]},
		"referringPractitioner": "%s", "referringOrganization": "%s", "receivingOrganization": "%s", "needs": ["NEED_LONELINESS"]}`,
		n, time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), clinician, clinic, chc)
	if err := post(clinicianID, base+"/v1/referrals", body, &made); err != nil {
		return err
	}
	if created != nil {
		created()
	}
	name := made["name"].(string)
	for _, step := range []struct {
		who        auth.Identity
		verb, body string
	}{
		{clinicianID, "submit", `{}`}, {linkWorkerID, "accept", `{"assignee": "` + linkWorker + `"}`}, {linkWorkerID, "start", `{}`},
	} {
		if err := post(step.who, base+"/v1/"+name+":"+step.verb, step.body, nil); err != nil {
			return err
		}
	}
	var booked map[string]any
	if err := post(linkWorkerID, base+"/v1/"+name+":bookEvent", `{"session": "`+session+`"}`, &booked); err != nil {
		return err
	}
	reg := booked["bookings"].([]any)[0].(map[string]any)["registration"].(string)
	if err := post(hostID, base+"/v1/"+reg+":checkIn", `{}`, nil); err != nil {
		return err
	}
	return post(linkWorkerID, base+"/v1/"+name+":complete", `{}`, nil)
}

func post(id auth.Identity, url, body string, out *map[string]any) error {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(asHTTP(req, id))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s %s", url, resp.Status, raw)
	}
	if out != nil {
		return jsonUnmarshal(raw, out)
	}
	return nil
}
