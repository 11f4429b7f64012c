package web

import "testing"

func TestQuestionnaireAnswers(t *testing.T) {
	ucla, _ := questionnaireOf("UCLA3")
	ons, _ := questionnaireOf("ONS4")
	for _, tc := range []struct {
		name    string
		q       questionnaire
		form    map[string]string
		want    []int32
		badKeys []string
	}{
		{"all answered", ucla, map[string]string{"UCLA3_1": "3", "UCLA3_2": "2", "UCLA3_3": "1"}, []int32{3, 2, 1}, nil},
		{"one missing", ucla, map[string]string{"UCLA3_1": "3", "UCLA3_3": "1"}, nil, []string{"UCLA3_2"}},
		{"out of the scale", ucla, map[string]string{"UCLA3_1": "0", "UCLA3_2": "4", "UCLA3_3": "x"}, nil, []string{"UCLA3_1", "UCLA3_2", "UCLA3_3"}},
		{"ONS4 starts at 0", ons, map[string]string{"ONS4_1": "0", "ONS4_2": "10", "ONS4_3": "5", "ONS4_4": "7"}, []int32{0, 10, 5, 7}, nil},
		{"ONS4 ends at 10", ons, map[string]string{"ONS4_1": "11", "ONS4_2": "10", "ONS4_3": "5", "ONS4_4": "7"}, nil, []string{"ONS4_1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, bad := tc.q.answers(func(k string) string { return tc.form[k] })
			if len(bad) != len(tc.badKeys) {
				t.Fatalf("bad = %v, want %v", bad, tc.badKeys)
			}
			for _, k := range tc.badKeys {
				if !bad[k] {
					t.Fatalf("bad = %v, want %v", bad, tc.badKeys)
				}
			}
			if tc.want != nil {
				for i := range tc.want {
					if got[i] != tc.want[i] {
						t.Fatalf("items = %v, want %v", got, tc.want)
					}
				}
			}
		})
	}
}
