package normalize

import (
	"strconv"
	"strings"
	"time"
)

// Date is a calendar date read from free text. Year, Month and Day are as
// written even when they do not form a real date (typos in dates of birth
// are common); Valid says whether they do.
type Date struct {
	Year, Month, Day int
	Valid            bool
}

// Digits is the date as "YYYYMMDD" (zero-padded; "" for the zero Date),
// the form edit distances are computed on.
func (d Date) Digits() string {
	if d.Year == 0 && d.Month == 0 && d.Day == 0 {
		return ""
	}
	return pad(d.Year, 4) + pad(d.Month, 2) + pad(d.Day, 2)
}

// DayNumber is the number of days since 1970-01-01 for a valid date.
func (d Date) DayNumber() int {
	return int(time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func pad(n, w int) string {
	s := strconv.Itoa(n)
	for len(s) < w {
		s = "0" + s
	}
	if len(s) > w {
		s = s[len(s)-w:]
	}
	return s
}

var monthNames = map[string]int{
	"jan": 1, "january": 1, "ene": 1, "enero": 1, "janeiro": 1, "janvier": 1, "januar": 1,
	"feb": 2, "february": 2, "febrero": 2, "fevereiro": 2, "fev": 2, "fevrier": 2, "februar": 2,
	"mar": 3, "march": 3, "marzo": 3, "marco": 3, "mars": 3, "marz": 3,
	"apr": 4, "april": 4, "abr": 4, "abril": 4, "avr": 4, "avril": 4,
	"may": 5, "mayo": 5, "mai": 5, "maio": 5,
	"jun": 6, "june": 6, "junio": 6, "junho": 6, "juin": 6, "juni": 6,
	"jul": 7, "july": 7, "julio": 7, "julho": 7, "juillet": 7, "juli": 7,
	"aug": 8, "august": 8, "ago": 8, "agosto": 8, "aout": 8,
	"sep": 9, "sept": 9, "september": 9, "septiembre": 9, "set": 9, "setembro": 9, "septembre": 9,
	"oct": 10, "october": 10, "octubre": 10, "out": 10, "outubro": 10, "octobre": 10, "okt": 10, "oktober": 10,
	"nov": 11, "november": 11, "noviembre": 11, "novembro": 11, "novembre": 11,
	"dec": 12, "december": 12, "dic": 12, "diciembre": 12, "dez": 12, "dezembro": 12, "decembre": 12, "dezember": 12,
}

// ParseDate reads a date written as YYYYMMDD, YYYY-MM-DD (also with "/"
// or "." and with a time after it), DD/MM/YYYY or MM/DD/YYYY (read as day
// first unless the first number cannot be a day-of-month pair that way —
// the comparator also accepts swapped day and month), or with a month name
// ("24 Jun 1971", "June 24, 1971"). ok is false when s does not look like
// a date at all.
func ParseDate(s string) (d Date, ok bool) {
	s = strings.TrimSpace(clip(s))
	if s == "" || len(s) > 64 {
		return Date{}, false
	}
	if i := strings.IndexAny(s, "T "); i == 10 && len(s) > 10 {
		s = s[:10] // ISO 8601 date-time
	}
	w := Tokens(Words(s))
	var nums []string
	month := 0
	for _, t := range w {
		if m, ok := monthNames[t]; ok && month == 0 {
			month = m
			continue
		}
		if _, err := strconv.Atoi(t); err != nil {
			// "24th", "1st"
			t = strings.TrimRight(t, "stndrh")
			if _, err := strconv.Atoi(t); err != nil {
				return Date{}, false
			}
		}
		nums = append(nums, t)
	}
	switch {
	case month != 0 && len(nums) == 2:
		a, b := atoi(nums[0]), atoi(nums[1])
		if len(nums[0]) == 4 {
			d = Date{Year: a, Month: month, Day: b}
		} else {
			d = Date{Year: fullYear(nums[1]), Month: month, Day: a}
		}
	case month == 0 && len(nums) == 1 && len(nums[0]) == 8:
		n := nums[0]
		d = Date{Year: atoi(n[:4]), Month: atoi(n[4:6]), Day: atoi(n[6:])}
	case month == 0 && len(nums) == 3:
		a, b, c := nums[0], nums[1], nums[2]
		switch {
		case len(a) == 4:
			d = Date{Year: atoi(a), Month: atoi(b), Day: atoi(c)}
		case len(c) == 4 || len(c) == 2:
			x, y := atoi(a), atoi(b)
			if x <= 12 && y > 12 {
				x, y = y, x // MM/DD/YYYY
			}
			d = Date{Year: fullYear(c), Month: y, Day: x}
		default:
			return Date{}, false
		}
	default:
		return Date{}, false
	}
	if d.Month < 0 || d.Month > 99 || d.Day < 0 || d.Day > 99 || d.Year < 0 || d.Year > 9999 {
		return Date{}, false
	}
	d.Valid = d.Year >= 1000 && d.Month >= 1 && d.Month <= 12 && d.Day >= 1 &&
		d.Day <= daysIn(d.Year, d.Month)
	return d, true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// fullYear reads a two-digit year as within 1930–2029.
func fullYear(s string) int {
	y := atoi(s)
	if len(s) == 2 {
		if y < 30 {
			return 2000 + y
		}
		return 1900 + y
	}
	return y
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m+1), 0, 0, 0, 0, 0, time.UTC).Day()
}
