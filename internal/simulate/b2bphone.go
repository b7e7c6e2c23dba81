package simulate

import "strings"

// The numbers of a B2B run are unique: no two people share a mobile and
// no mobile is a company's switchboard, so that every number two leads
// share is shared on purpose. North American numbers stay in the
// 555-0100 to 555-0199 block reserved for fiction, over many more area
// codes than the default traffic uses.
var b2bAreaCodes = map[string][]string{
	"US": strings.Fields(`201 202 203 205 206 207 208 209 210 212 213 214 215 216 217 218 219 224 225 228 229 231
		234 239 240 248 251 252 253 254 256 260 262 267 269 270 276 281 301 302 303 304 305 307 308 309 310 312 313
		314 315 316 317 318 319 320 321 323 330 334 336 337 339 347 351 352 360 361 385 386 401 402 404 405 406 407
		408 409 410 412 413 414 415 417 419 423 424 425 430 432 434 435 440 443 469 478 479 480 484 501 502 503 504
		505 507 508 509 510 512 513 515 516 517 518 520 530 540 541 551 559 561 562 563 567 570 571 573 574 580 585
		586 601 602 603 605 606 607 608 609 610 612 614 615 616 617 618 619 620 623 626 630 631 636 641 646 650 651
		660 661 662 678 682 701 702 703 704 706 707 708 712 713 714 715 716 717 718 719 720 724 727 731 732 734 740
		754 757 760 763 765 770 772 773 774 775 781 785 786 801 802 803 804 805 806 808 810 812 813 814 815 816 817
		818 828 830 831 832 843 845 847 848 850 856 857 858 859 860 862 863 864 865 870 872 878 901 903 904 907 908
		909 910 912 913 914 915 916 917 918 919 920 925 928 931 936 937 940 941 947 949 951 952 954 956 970 971 972
		973 978 979 980 985 989`),
	"CA": strings.Fields(`204 226 236 249 250 289 306 343 365 403 416 418 431 437 438 450 506 514 519 548 579 581
		587 604 613 639 647 705 709 778 780 782 807 819 825 867 873 902 905`),
}

// phone draws a number of the country not used before in the run (or, when
// a country runs out, after 64 tries, any number).
func (w *world) phone(r *rng, code string) phoneNum {
	c := countries[code]
	for try := 0; ; try++ {
		var g []string
		if areas := b2bAreaCodes[code]; areas != nil {
			g = []string{pick(r, areas), "555", "01" + r.digits(2)}
		} else {
			g = c.phone.make(r)
		}
		k := c.phone.cc + strings.Join(g, "")
		if !w.phones[k] || try >= 64 {
			w.phones[k] = true
			return phoneNum{plan: &c.phone, groups: g}
		}
	}
}
