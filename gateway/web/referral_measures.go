package web

import (
	"fmt"
	"strconv"

	referralv1 "github.com/socialrx/socialrx/proto/socialrx/referral/v1"
)

// questionnaire is an outcome instrument as a person answers it: its items, in order, and the
// answers each item offers. The wording is in the catalogue (referral_messages.go), under
// "measure.<Key>.item.<n>" and "measure.<Key>.answer.<value>".
//
// Sources of the wording, paraphrased from the instruments' public descriptions:
//   - UCLA 3-item loneliness scale: M. E. Hughes, L. J. Waite, L. C. Hawkley, J. T. Cacioppo,
//     "A short scale for measuring loneliness in large surveys", Research on Aging 26(6), 2004.
//   - ONS4: the UK Office for National Statistics' four personal well-being questions
//     ("Personal well-being user guidance", ONS).
//   - SWEMWBS: S. Stewart-Brown et al., "Internal construct validity of the Warwick-Edinburgh
//     Mental Well-being Scale (WEMWBS)", Health and Quality of Life Outcomes 7:15, 2009; the
//     7-item short form, (c) NHS Health Scotland, University of Warwick and University of Edinburgh.
type questionnaire struct {
	Key        string
	Instrument referralv1.Instrument
	Items      int
	Min, Max   int
}

var questionnaires = []questionnaire{
	{Key: "UCLA3", Instrument: referralv1.Instrument_INSTRUMENT_UCLA3, Items: 3, Min: 1, Max: 3},
	{Key: "ONS4", Instrument: referralv1.Instrument_INSTRUMENT_ONS4, Items: 4, Min: 0, Max: 10},
	{Key: "SWEMWBS", Instrument: referralv1.Instrument_INSTRUMENT_SWEMWBS, Items: 7, Min: 1, Max: 5},
}

func questionnaireOf(key string) (questionnaire, bool) {
	for _, q := range questionnaires {
		if q.Key == key {
			return q, true
		}
	}
	return questionnaire{}, false
}

// ItemNumbers are 1..Items, for the template.
func (q questionnaire) ItemNumbers() []int {
	out := make([]int, q.Items)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// Answers are Min..Max, for the template.
func (q questionnaire) Answers() []int {
	var out []int
	for v := q.Min; v <= q.Max; v++ {
		out = append(out, v)
	}
	return out
}

// Field is the form field of item n.
func (q questionnaire) Field(n int) string { return fmt.Sprintf("%s_%d", q.Key, n) }

// answers reads the items of q from a form: every item must be answered within the scale; the
// map names each missing or wrong item's field.
func (q questionnaire) answers(value func(string) string) ([]int32, map[string]bool) {
	items := make([]int32, q.Items)
	bad := map[string]bool{}
	for i := 1; i <= q.Items; i++ {
		v, err := strconv.Atoi(value(q.Field(i)))
		if err != nil || v < q.Min || v > q.Max {
			bad[q.Field(i)] = true
			continue
		}
		items[i-1] = int32(v)
	}
	return items, bad
}
