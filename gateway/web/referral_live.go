package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
	"github.com/socialrx/socialrx/services/platform/auth"
)

// liveReferrals is the stream of server-sent events behind the live pages: each status change of
// a referral the signed-in person may see, from the referral service's watch. The event carries
// only the referral's id and statuses; the page fetches itself again to show the change.
//
// A clinician watches their organisation's referrals. The watch is by referring organisation, so
// a link worker watches every organisation, and the service keeps to the ones addressed to theirs.
func (h *Handler) liveReferrals(w http.ResponseWriter, r *http.Request) {
	person, ok := h.requirePractitioner(w, r)
	if !ok {
		return
	}
	var since time.Time
	if ms, err := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64); err == nil {
		since = time.UnixMilli(ms)
	}
	// A reconnecting EventSource says where it stopped.
	after := r.Header.Get("Last-Event-ID")
	if _, err := strconv.ParseUint(after, 10, 64); err != nil {
		after = ""
	}
	ctx, cancel := context.WithCancel(h.callContext(r))
	defer cancel()
	orgs := []string{person.Organization}
	if person.Has(auth.RoleLinkWorker) {
		facts, err := h.places.get(ctx)
		if err != nil {
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
			return
		}
		orgs = orgs[:0]
		for org := range facts.orgs {
			orgs = append(orgs, org)
		}
	}
	changes := make(chan *referralv1.ReferralChange)
	failed := make(chan error, len(orgs))
	for _, org := range orgs {
		stream, err := h.referrals.WatchReferrals(ctx, &referralv1.WatchReferralsRequest{After: after, ReferringOrganization: org})
		if err != nil {
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
			return
		}
		go func() {
			for {
				ch, err := stream.Recv()
				if err != nil {
					failed <- err
					return
				}
				select {
				case changes <- ch:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	// Ask the browser to wait a little before reconnecting, and open the stream now.
	_, _ = fmt.Fprint(w, "retry: 2000\n\n")
	_ = rc.Flush()
	keepAlive := time.NewTicker(20 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-failed:
			// The browser reconnects from the last id it saw.
			return
		case <-keepAlive.C:
			_, _ = fmt.Fprint(w, ": keep-alive\n\n")
		case ch := <-changes:
			if ch.GetTime().AsTime().Before(since) {
				continue
			}
			_, _ = fmt.Fprintf(w, "id: %s\nevent: change\ndata: {\"referral\":%q,\"status\":%q,\"business_status\":%q}\n\n",
				ch.GetToken(), ch.GetReferral(), shortStatus(ch.GetStatus()), shortBusiness(ch.GetBusinessStatus()))
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
