"""A tiny data directory whose answers are known by construction (for the backtest tests)."""

from __future__ import annotations

import gzip
from pathlib import Path

COUNTRIES = [
    # iso3, name, cow, capital, adjective
    ("USA", "UNITED STATES OF AMERICA", "", "WASHINGTON", "AMERICAN"),
    ("CHN", "CHINA", "710", "BEIJING", "CHINESE"),
    ("PRK", "NORTH KOREA", "731", "PYONGYANG", "NORTH KOREAN"),
    ("KOR", "SOUTH KOREA", "732", "SEOUL", "SOUTH KOREAN"),
    ("JPN", "JAPAN", "740", "TOKYO", "JAPANESE"),
    ("RUS", "RUSSIAN FEDERATION", "365", "MOSCOW", "RUSSIAN"),
]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, "utf-8")


def tiny_data(root: Path) -> Path:
    """Write the tiny data directory under ``root`` and return it."""
    ci = "iso3\tcountry_code_field\tiso3166_alpha3_field\tname\tcow_alpha\tcow_numeric\tiso2\tcapitals\tnationality_and_synonyms\tmajor_cities\n"
    ci += "".join(f"{i}\t{i}\t{i}\t{n}\t{i}\t{c}\t{i[:2]}\t{cap}\t{adj}\t\n" for i, n, c, cap, adj in COUNTRIES)
    _write(root / "events" / "countryinfo_140728_capitals_synonyms.tsv", ci)
    ngec = "CCA2,Name,CCA3,Nationality\nUS,United States,USA,\"American, Americans\"\nKP,North Korea,PRK,\"North Korean\"\nKR,South Korea,KOR,\"South Korean\"\nCN,China,CHN,Chinese\nJP,Japan,JPN,Japanese\nRU,Russia,RUS,Russian\n"
    _write(root / "events" / "ngec_countries.csv", ngec)
    cameo = "code,name,root,level,goldstein_gdelt,goldstein_icews,quad_class_01to05_verbal,phoenix_pentaclass,plover_event,plover_mode,plover_context,in_gdelt_lookup\n"
    for code, name, g, quad, pc, ev in (
        ("040", "Consult", 1.0, "verbal_cooperation", 1, "CONSULT"),
        ("042", "Make a visit", 1.9, "verbal_cooperation", 1, "CONSULT"),
        ("057", "Sign formal agreement", 8.0, "verbal_cooperation", 1, "SUPPORT"),
        ("111", "Criticize or denounce", -2.0, "verbal_conflict", 3, "ACCUSE"),
        ("138", "Threaten with military force", -7.0, "verbal_conflict", 3, "THREATEN"),
        ("17", "COERCE", -7.0, "material_conflict", 4, "COERCE"),
        ("190", "Use conventional military force", -10.0, "material_conflict", 4, "ASSAULT"),
        ("195", "Employ aerial weapons", -10.0, "material_conflict", 4, "ASSAULT"),
    ):
        cameo += f"{code},{name},{code[:2]},1,{g},{g},{quad},{pc},{ev},,,1\n"
    _write(root / "events" / "cameo_codes.csv", cameo)
    h = root / "history"
    # MIDs: PRK-KOR onset March 2003 at hostility 4; CHN-JPN onset Nov 2005 at hostility 3.
    mid = "dispnum,ccode1,ccode2,year,cowmidongoing,cowmidonset,hostlev,stmon,fatality\n"
    mid += "9000,731,732,1999,1,1,2,6,0\n9001,731,732,2003,1,1,4,3,0\n9001,732,731,2003,1,1,4,3,0\n9002,710,740,2005,1,1,3,11,0\n9002,731,732,2006,1,0,2,11,0\n"
    _write(h / "cow_mid_v5_0_dyadic_dispute_years_1816_2014.csv", mid)
    # UCDP: one interstate episode PRK-KOR from 2004-06-01, ended 2005-02-10.
    ucdp = "conflict_id,year,gwno_a,gwno_a_2nd,gwno_b,gwno_b_2nd,incompatibility,intensity_level,type_of_conflict,start_date,start_prec,start_date2,start_prec2,ep_end,ep_end_date\n"
    ucdp += "500.0,2004.0,731.0,,732.0,,territory,1.0,interstate,2004-06-01,1,2004-06-01,1,0.0,\n"
    ucdp += "500.0,2005.0,731.0,,732.0,,territory,1.0,interstate,2004-06-01,1,2004-06-01,1,1.0,2005-02-10\n"
    _write(h / "ucdp_acd_v25_1_conflict_years_1946_2022.csv", ucdp)
    # ATOP: CHN-PRK defence every year; RUS-PRK consultation new in 2006.
    atop = "ccode1,ccode2,year,atop_defense,atop_offense,atop_neutral,atop_nonagg,atop_consul\n"
    for y in range(2000, 2009):
        atop += f"710,731,{y},1,0,0,0,0\n731,710,{y},1,0,0,0,0\n"
        if y >= 2006:
            atop += f"365,731,{y},0,0,0,0,1\n"
    _write(h / "atop_v5_1_directed_dyadyear_with_obligation_1815_2018.csv.gz", atop)
    nmc = "ccode,year,milex,milper,irst,pec,tpop,upop,cinc\n"
    for y in range(1995, 2010):
        for c, v in ((2, 0.15), (710, 0.2), (731, 0.01), (732, 0.02), (740, 0.05), (365, 0.04)):
            nmc += f"{c},{y},1,1,1,1,1,1,{v}\n"
    _write(h / "cow_nmc_v7_0_1816_2022.csv", nmc)
    _write(h / "thompson_dreyer_strategic_rivalries_1494_2010.csv", "rivalryno,rivalryname,ccode1,ccode2,styear,endyear\n1,North-South Korea,731,732,1948,2010\n")
    tests = "date,missile_name,missile_type,facility_name,outcome\n2006-07-05,Taepodong-2,ICBM,Musudan-ri,failure\n2006-07-05,Scud,SRBM,Kittaeryong,success\n2009-04-05,Unha-2,SLV,Sohae,failure\n"
    _write(h / "nk_missile_tests_1984-04-09_2023-08-31.csv", tests)
    travels = "role,who,name,start_date,country\npresident,bush,George W. Bush,2005-11-19,China\nsecretary,rice,Condoleezza Rice,2006-10-19,Japan\n"
    _write(h / "us_president_secstate_travels_1866_2023-08-31.csv", travels)
    _write(h / "foreign_leader_visits_to_us_1874_2023-08-31.csv", "visitor,from_,start_date\nPresident Hu,China,2006-04-18\n")
    unsc = "year,date,topics,result\n2006,14 October ,Non-proliferation/Democratic People's Republic of Korea ,S/RES/1718 (2006)  15-0-0\n2006,15 July ,Non-proliferation/Democratic People's Republic of Korea ,S/RES/1695 (2006)  15-0-0\n2007,1 March ,The situation in Japan ,--\n"
    _write(h / "unsc_meetings_topics_outcomes_1946_2017.csv", unsc)
    return root
