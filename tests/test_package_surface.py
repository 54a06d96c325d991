"""The module paths and names that scripts written for the official SDK import."""

import importlib
import logging

import pytest

import batchcompute

REGIONS = [
    "CN_QINGDAO",
    "CN_HANGZHOU",
    "CN_SHENZHEN",
    "CN_BEIJING",
    "CN_CHENGDU",
    "CN_ZHANGJIAKOU",
    "CN_HUHEHAOTE",
    "CN_SHANGHAI",
    "CN_HONGKONG",
    "AP_SOUTHEAST_1",
    "AP_SOUTHEAST_2",
    "EU_CENTRAL_1",
    "US_WEST_1",
    "US_EAST_1",
]


@pytest.mark.parametrize(
    "module, names",
    [
        (
            "batchcompute",
            ["ClientError", "FieldError", "ValidationError", "JsonError", "ConfigError", "__version__"] + REGIONS,
        ),
        (
            "batchcompute.resources",
            [
                "JobDescription",
                "TaskDescription",
                "DAG",
                "Parameters",
                "Command",
                "Docker",
                "InputMappingConfig",
                "AutoCluster",
                "Notification",
                "Topic",
                "ClusterDescription",
                "GroupDescription",
                "Configs",
                "Disks",
                "Networks",
                "Mounts",
                "Classic",
                "VPC",
                "ModifyClusterDescription",
                "ModifyGroupDescription",
                "ModifyConfigs",
                "ImageDescription",
                "AppDescription",
                "AppJobDescription",
                "App",
                "Logging",
                "Config",
                "InputParameter",
                "OutputParameter",
                "VM",
            ],
        ),
        ("batchcompute.utils", ["set_log_level", "get_logger", "CamelCasedClass", "remap", "get_region", "iget"]),
        ("batchcompute.utils.jsonizable", ["Jsonizable", "BatchEncoder"]),
        ("batchcompute.utils.functions", ["ConfigError", "get_region", "iget", "add_region", "get_all_region"]),
        ("batchcompute.core.exceptions", ["ClientError", "FieldError", "ValidationError", "JsonError"]),
        (
            "batchcompute.client.response",
            [
                "CreateResponse",
                "GetResponse",
                "ActionResponse",
                "ListResponse",
                "Job",
                "Task",
                "Instance",
                "Cluster",
                "ClusterInstance",
                "Image",
            ],
        ),
        ("batchcompute.resources.job", ["JobDescription", "AppJobDescription", "App"]),
        ("batchcompute.resources.cluster", ["ClusterDescription", "Configs", "Mounts"]),
        ("batchcompute.resources.app", ["AppDescription", "InputParameter"]),
        ("batchcompute.resources.image", ["ImageDescription"]),
    ],
)
def test_module_exports(module, names):
    mod = importlib.import_module(module)
    missing = [name for name in names if not hasattr(mod, name)]
    assert not missing


def test_region_constants_are_host_names():
    assert batchcompute.CN_QINGDAO == "batchcompute.cn-qingdao.aliyuncs.com"
    assert batchcompute.US_EAST_1 == "batchcompute.us-east-1.aliyuncs.com"


def test_logger_is_silent_by_default():
    logger = logging.getLogger("batchcompute")
    assert any(isinstance(handler, logging.NullHandler) for handler in logger.handlers)


def test_camel_cased_class_adds_aliases():
    from batchcompute.utils import CamelCasedClass

    class Demo(metaclass=CamelCasedClass):
        def list_jobs(self):
            return 1

    assert Demo().listJobs() == 1


def test_remap_converts_time_fields_at_any_depth():
    from batchcompute.utils import remap

    data = remap({"CreationTime": "2016-11-01T15:25:03.020203Z", "A": [{"EndTime": ""}], "Size": 1})
    assert data["CreationTime"].microsecond == 20203
    assert data["A"][0]["EndTime"] is None and data["Size"] == 1


def test_package_is_typed():
    from pathlib import Path

    assert (Path(batchcompute.__file__).parent / "py.typed").exists()


def test_get_logger_names_the_logger_as_given_and_set_log_level_reaches_it():
    from batchcompute.utils.log import ALL_LOGS, get_logger, set_log_level

    logger = get_logger("bc-test-tool")
    assert logger.name == "bc-test-tool" and ALL_LOGS["bc-test-tool"] is logger
    assert logger.level == logging.WARNING
    try:
        set_log_level("DEBUG")
        assert logger.level == logging.DEBUG and logging.getLogger("batchcompute").level == logging.DEBUG
    finally:
        set_log_level("WARNING")
        del ALL_LOGS["bc-test-tool"]
