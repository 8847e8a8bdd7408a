import pytest

from server.config import Config, ConfigError


def test_environment_overrides_defaults(tmp_path):
    cfg = Config.from_env({"ZOUFANG_DATA_DIR": str(tmp_path), "ZOUFANG_ODK_VALIDATE": "off"}).finalised()
    assert cfg.data_dir == tmp_path
    assert cfg.database_url == f"sqlite:///{tmp_path / 'zoufang.sqlite3'}"
    assert cfg.odk_validate == "off"
    assert (tmp_path / "secret_key").exists()
    assert Config.from_env({"ZOUFANG_IMPORT_MAX_BYTES": "123456789"}).import_max_bytes == 123456789
    assert Config.from_env({"ZOUFANG_PROXY_HOPS": "1"}).proxy_hops == 1 and Config().proxy_hops == 0


def test_postgres_urls_use_psycopg(tmp_path):
    cfg = Config.from_env({"ZOUFANG_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@h/db"}).finalised()
    assert cfg.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize("env, fragment", [
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"ZOUFANG_ODK_VALIDATE": "maybe"}, "ZOUFANG_ODK_VALIDATE"),
    ({"REDIS_URL": "http://x"}, "REDIS_URL"),
    ({"ZOUFANG_XLSFORM_MAX_BYTES": "ten"}, "ZOUFANG_XLSFORM_MAX_BYTES"),
    ({"ZOUFANG_IMPORT_MAX_BYTES": "big"}, "ZOUFANG_IMPORT_MAX_BYTES"),
    ({"ZOUFANG_PROXY_HOPS": "nginx"}, "ZOUFANG_PROXY_HOPS"),
    ({"ZOUFANG_PROXY_HOPS": "9"}, "ZOUFANG_PROXY_HOPS"),
    ({"ZOUFANG_PROXY_HOPS": "-1"}, "ZOUFANG_PROXY_HOPS"),
])
def test_bad_settings_stop_with_a_message_naming_them(tmp_path, env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        Config.from_env({"ZOUFANG_DATA_DIR": str(tmp_path), **env}).finalised()


def test_unknown_override_is_refused():
    with pytest.raises(ConfigError):
        Config().with_overrides({"no_such_setting": 1})
