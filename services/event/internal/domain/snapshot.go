package domain

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// folded is the whole of a State, derived fields included, as a snapshot stores it.
type folded struct {
	Pos           int64
	Events        map[string]*Event
	Sessions      map[string]*Session
	Registrations map[string]*Registration
	Active        map[string]string
}

// Encode returns the state as a snapshot, from which Decode rebuilds it exactly.
func (s *State) Encode() ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(folded{s.Pos, s.Events, s.Sessions, s.Registrations, s.active}); err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return buf.Bytes(), nil
}

// Decode rebuilds a state from Encode's output.
func Decode(data []byte) (*State, error) {
	var f folded
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&f); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	s := New()
	s.Pos = f.Pos
	for k, v := range f.Events {
		s.Events[k] = v
	}
	for k, v := range f.Sessions {
		s.Sessions[k] = v
	}
	for k, v := range f.Registrations {
		s.Registrations[k] = v
	}
	for k, v := range f.Active {
		s.active[k] = v
	}
	return s, nil
}
