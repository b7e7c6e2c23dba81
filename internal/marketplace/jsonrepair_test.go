package marketplace

import (
	"slices"
	"strings"
	"testing"
)

func TestRepairJSON(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string
		fixes []string
	}{
		{"valid input unchanged", `{"a": [1, "x", true, null, {"b": -1.5e+3}]}`, `{"a": [1, "x", true, null, {"b": -1.5e+3}]}`, nil},
		{"missing comma between members", "{\"a\": 1\n \"b\": 2}", "{\"a\": 1,\n \"b\": 2}", []string{"missing comma at line 2, column 2"}},
		{"missing comma between elements", `[1 "a" {} [] true false null -2]`, `[1, "a", {}, [], true, false, null, -2]`, []string{
			"missing comma at line 1, column 4", "missing comma at line 1, column 8", "missing comma at line 1, column 11",
			"missing comma at line 1, column 14", "missing comma at line 1, column 19", "missing comma at line 1, column 25",
			"missing comma at line 1, column 30",
		}},
		{"missing comma with no space", `{"a":"b""c":"d"}`, `{"a":"b","c":"d"}`, []string{"missing comma at line 1, column 9"}},
		{"missing comma after number with no space", `{"a":1"c":2}`, `{"a":1,"c":2}`, []string{"missing comma at line 1, column 7"}},
		{"adjacent containers", `[{}[]"x"{}]`, `[{},[],"x",{}]`, []string{
			"missing comma at line 1, column 4", "missing comma at line 1, column 6", "missing comma at line 1, column 9",
		}},
		{"trailing comma in object", `{"a": 1, }`, `{"a": 1 }`, []string{"trailing comma at line 1, column 8"}},
		{"trailing comma in array", "[1,\n]", "[1\n]", []string{"trailing comma at line 1, column 3"}},
		{"escapes kept", `{"a": "\"\\\/\b\f\n\r\t\u00e9" "b": 1}`, `{"a": "\"\\\/\b\f\n\r\t\u00e9", "b": 1}`, []string{"missing comma at line 1, column 32"}},
		{"invalid UTF-8 kept", "[\"\xff\" 1]", "[\"\xff\", 1]", []string{"missing comma at line 1, column 6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, fixes, err := repairJSON([]byte(tt.in))
			if err != nil {
				t.Fatalf("repairJSON: %v", err)
			}
			if string(out) != tt.want {
				t.Errorf("out = %q, want %q", out, tt.want)
			}
			if !slices.Equal(fixes, tt.fixes) {
				t.Errorf("fixes = %q, want %q", fixes, tt.fixes)
			}
		})
	}
}

func TestRepairJSONRejects(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"unquoted key", `{a: 1}`},
		{"single quotes", `{'a': 1}`},
		{"line comment", "{\"a\": 1 // x\n}"},
		{"block comment", `{"a": /* x */ 1}`},
		{"truncated object", `{"a": 1`},
		{"truncated string", `{"a": "x`},
		{"truncated escape", `{"a": "\u12`},
		{"truncated literal", `[tru`},
		{"double comma", `[1,,2]`},
		{"leading comma", `[,1]`},
		{"lone comma", `{,}`},
		{"missing colon", `{"a" 1}`},
		{"missing value", `{"a": }`},
		{"missing comma before a non-key", `{"a": 1 2}`},
		{"bad escape", `["\x"]`},
		{"control character", "[\"a\tb\"]"},
		{"leading zero", `[01]`},
		{"number then minus", `[1-2]`},
		{"adjacent literals", `[truefalse]`},
		{"literal then number", `[null1]`},
		{"bare minus", `[-]`},
		{"fraction without digits", `[1.]`},
		{"exponent without digits", `[1e+]`},
		{"plus sign", `[+1]`},
		{"NaN", `[NaN]`},
		{"garbage after value", `{} x`},
		{"two values", `{} {}`},
		{"too deep", strings.Repeat("[", maxRepairDepth+1) + strings.Repeat("]", maxRepairDepth+1)},
		{"too deep objects", strings.Repeat(`{"a":`, maxRepairDepth+1) + "1" + strings.Repeat("}", maxRepairDepth+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if out, _, err := repairJSON([]byte(tt.in)); err == nil {
				t.Errorf("repairJSON(%q) = %q, want an error", tt.in, out)
			}
		})
	}
	deepest := strings.Repeat("[", maxRepairDepth) + strings.Repeat("]", maxRepairDepth)
	if _, _, err := repairJSON([]byte(deepest)); err != nil {
		t.Errorf("repairJSON at the depth limit: %v", err)
	}
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncdé\nf")
	tests := []struct{ off, line, col int }{
		{-1, 1, 1}, {0, 1, 1}, {1, 1, 2}, {3, 2, 1}, {5, 2, 3}, {7, 2, 4}, {8, 3, 1}, {9, 3, 2}, {100, 3, 2},
	}
	for _, tt := range tests {
		if line, col := position(data, tt.off); line != tt.line || col != tt.col {
			t.Errorf("position(%d) = %d:%d, want %d:%d", tt.off, line, col, tt.line, tt.col)
		}
	}
}
