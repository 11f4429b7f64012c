package web

// What sign-in keeps between requests, as records of the records store: a session, a sign-in
// under way, a kept form. Each is JSON, sealed by the database store.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/socialrx/socialrx/gateway/web/sessiondb"
)

// sessionRecord is a signedIn as stored.
type sessionRecord struct {
	Subject      string    `json:"subject"`
	Name         string    `json:"name"`
	Organization string    `json:"organization,omitempty"`
	Roles        []string  `json:"roles,omitempty"`
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	IDToken      string    `json:"id_token,omitempty"`
	TokenExpiry  time.Time `json:"token_expiry,omitzero"`
	Started      time.Time `json:"started"`
	End          time.Time `json:"end"`
}

func encodeSession(s signedIn) []byte {
	idToken, _ := s.token.Extra("id_token").(string)
	b, _ := json.Marshal(sessionRecord{Subject: s.person.Subject, Name: s.person.Name, Organization: s.person.Organization,
		Roles: s.person.Roles, AccessToken: s.token.AccessToken, TokenType: s.token.TokenType, RefreshToken: s.token.RefreshToken,
		IDToken: idToken, TokenExpiry: s.token.Expiry, Started: s.started, End: s.end})
	return b
}

func decodeSession(r sessiondb.Record) (signedIn, error) {
	var d sessionRecord
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return signedIn{}, fmt.Errorf("decode session: %w", err)
	}
	tok := &oauth2.Token{AccessToken: d.AccessToken, TokenType: d.TokenType, RefreshToken: d.RefreshToken, Expiry: d.TokenExpiry}
	if d.IDToken != "" {
		tok = tok.WithExtra(map[string]any{"id_token": d.IDToken})
	}
	return signedIn{person: Person{Subject: d.Subject, Name: d.Name, Organization: d.Organization, Roles: d.Roles},
		token: tok, started: d.Started, end: d.End, version: r.Version}, nil
}

// sessionExpiry is when a session's record goes: at its maximum age, whatever its tokens say,
// so that an ended session's subject still guards the form it left.
func (o *oidcSignIn) sessionExpiry(s signedIn) time.Time { return s.started.Add(o.maxAge) }

// createSession stores s under the new session id id.
func (o *oidcSignIn) createSession(ctx context.Context, id string, s signedIn) error {
	return o.records.create(ctx, sessiondb.Sessions, id, sessiondb.Record{Data: encodeSession(s), Expires: o.sessionExpiry(s)})
}

// loadSession reads the session id, ended or not; storage.ErrNotFound when there is none.
func (o *oidcSignIn) loadSession(ctx context.Context, id string) (signedIn, error) {
	r, err := o.records.get(ctx, sessiondb.Sessions, id)
	if err != nil {
		return signedIn{}, err
	}
	return decodeSession(r)
}

// replaceSession writes s over the version it was read at, reporting false when another
// replica changed or removed the session first.
func (o *oidcSignIn) replaceSession(ctx context.Context, id string, s signedIn) (bool, error) {
	return o.records.replace(ctx, sessiondb.Sessions, id,
		sessiondb.Record{Data: encodeSession(s), Version: s.version + 1, Expires: o.sessionExpiry(s)})
}

// pendingRecord is a pendingSignIn as stored.
type pendingRecord struct {
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Redirect string `json:"redirect"`
	Back     string `json:"back"`
	Resume   string `json:"resume,omitempty"`
}

func (o *oidcSignIn) putPending(ctx context.Context, state string, p pendingSignIn, expires time.Time) error {
	b, _ := json.Marshal(pendingRecord{Nonce: p.nonce, Verifier: p.verifier, Redirect: p.redirect, Back: p.back, Resume: p.resume})
	return o.records.create(ctx, sessiondb.SignIns, state, sessiondb.Record{Data: b, Expires: expires})
}

// takePending returns the sign-in under state, once.
func (o *oidcSignIn) takePending(ctx context.Context, state string) (pendingSignIn, error) {
	r, err := o.records.take(ctx, sessiondb.SignIns, state)
	if err != nil {
		return pendingSignIn{}, err
	}
	var d pendingRecord
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return pendingSignIn{}, fmt.Errorf("decode sign-in: %w", err)
	}
	return pendingSignIn{nonce: d.Nonce, verifier: d.Verifier, redirect: d.Redirect, back: d.Back, resume: d.Resume}, nil
}

// formRecord is a stashedForm as stored.
type formRecord struct {
	Subject string     `json:"subject,omitempty"`
	Action  string     `json:"action"`
	Page    string     `json:"page"`
	Values  url.Values `json:"values"`
}

func (o *oidcSignIn) putForm(ctx context.Context, key string, f stashedForm, expires time.Time) error {
	b, _ := json.Marshal(formRecord{Subject: f.subject, Action: f.action, Page: f.page, Values: f.values})
	return o.records.create(ctx, sessiondb.Forms, key, sessiondb.Record{Data: b, Expires: expires})
}

// takeForm returns the form kept under key, once.
func (o *oidcSignIn) takeForm(ctx context.Context, key string) (stashedForm, error) {
	r, err := o.records.take(ctx, sessiondb.Forms, key)
	if err != nil {
		return stashedForm{}, err
	}
	var d formRecord
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return stashedForm{}, fmt.Errorf("decode kept form: %w", err)
	}
	return stashedForm{subject: d.Subject, action: d.Action, page: d.Page, values: d.Values}, nil
}
