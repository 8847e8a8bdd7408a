"""zoufang area import | list | add."""
from __future__ import annotations

from tests.areas.conftest import PNG, make_csv, make_xlsx


def test_import_prints_the_report_and_stores(runner, tmp_path, area_rows):
    path = tmp_path / "areas.csv"
    path.write_bytes(make_csv([("431228101", "岩桥镇", "镇", "431228"), ("431228", "芷江县", "县", "")], "gbk"))
    result = runner.invoke(args=["area", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "共 2 行：新建 2" in result.output and "导入完成" in result.output
    assert area_rows()["431228101"][2] == "431228"


def test_import_with_bad_rows_exits_9_naming_each_row(runner, tmp_path, areas, area_names):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(make_xlsx([("V13", "东三村", "村", "T1"), ("V14", "", "村", "T1"), ("V15", "东五村", "村", "X")]))
    before = area_names()
    for args in (["area", "import", str(path)], ["area", "import", "--dry-run", str(path)]):
        result = runner.invoke(args=args)
        assert result.exit_code == 9, result.output
        assert "第 3 行 V14：缺少名称" in result.output
        assert "第 4 行 V15：找不到上级区划“X”" in result.output
        assert "第 2 行" not in result.output
    assert area_names() == before


def test_dry_run_stores_nothing(runner, tmp_path, areas, area_names):
    path = tmp_path / "ok.xlsx"
    path.write_bytes(make_xlsx([("V13", "东三村", "村", "T1")]))
    result = runner.invoke(args=["area", "import", "--dry-run", str(path)])
    assert result.exit_code == 0 and "未保存" in result.output
    assert "V13" not in area_names()


def test_import_of_a_png_or_bad_encoding_exits_with_the_errors_code(runner, tmp_path):
    png = tmp_path / "areas.xlsx"
    png.write_bytes(PNG)
    result = runner.invoke(args=["area", "import", str(png)])
    assert result.exit_code == 8 and "不是" in result.output
    bad = tmp_path / "areas.csv"
    bad.write_bytes("区划代码,名称,层级,上级代码\n".encode() + b"\x80\xff\n")
    result = runner.invoke(args=["area", "import", str(bad)])
    assert result.exit_code == 3 and "编码" in result.output


def test_add_and_list(runner, areas):
    result = runner.invoke(args=["area", "add", "V13", "东三村", "行政村", "--parent", "T1"])
    assert result.exit_code == 0 and "V13 东三村（行政村）" in result.output
    result = runner.invoke(args=["area", "add", "V14", "东四村", "village", "--parent", "V11"])
    assert result.exit_code == 9 and "上级应为乡镇" in result.output
    result = runner.invoke(args=["area", "add", "V13", "again", "village", "--parent", "T1"])
    assert result.exit_code == 6
    listing = runner.invoke(args=["area", "list"]).output.splitlines()
    assert listing[0] == "C\t测试县\t县"
    assert "    V13\t东三村\t行政村" in listing
    assert listing.index("    V13\t东三村\t行政村") > listing.index("  T1\t东乡\t乡镇")
    villages = runner.invoke(args=["area", "list", "--level", "村", "--parent", "T1"]).output.split()
    assert "V13" in villages and "V21" not in villages
