"""``syncd init DIR``: write the example settings, the mappings, the SQL, the README and the
systemd unit into DIR (e.g. ``/etc/syncd``), then print the next steps of the install.

Never overwrites a file the operator changed (it lists each one it left alone); run again after
an upgrade it brings the files nobody changed up to date.  Needs no settings file.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from syncd.core.bilingual import zh_en
from syncd.resources import FolderInitReport, default_executable, init_folder


@click.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init_command(folder: Path) -> None:
    """把设置示例、字段映射、SQL、README 和 systemd 单元写入 FOLDER（如 /etc/syncd），不覆盖
    已修改的文件，并给出下一步 / write the example settings, the mappings, the SQL, the README
    and the systemd unit into FOLDER (e.g. /etc/syncd), never over a file you changed, and print
    the next steps."""
    folder = folder.absolute()
    executable = default_executable()
    report = init_folder(folder, executable)
    click.echo(summary(report))
    click.echo(next_steps(folder, executable))


def summary(report: FolderInitReport) -> str:
    counts = (len(report.written), len(report.updated), len(report.unchanged))
    done = zh_en(
        f"新文件 {counts[0]}，更新 {counts[1]}，未变 {counts[2]}",
        f"{counts[0]} new, {counts[1]} updated, {counts[2]} unchanged",
    )
    lines = [f"{report.folder}: {done}"]
    for names, zh, en in (
        (
            report.kept,
            "已被修改或不是 syncd init 写的文件，保留未动",
            "left alone (changed by you or not written by syncd init)",
        ),
        (
            report.dropped,
            "不再随程序发布的文件，保留未动，不用时请删除",
            "no longer shipped, left alone: remove them if unused",
        ),
    ):
        if names:
            lines.append(zh_en(zh, en) + ":")
            lines += [f"  {name}" for name in names]
    return "\n".join(lines)


def next_steps(folder: Path, executable: Path) -> str:
    """The rest of the install (README「安装为 systemd 服务」) with this folder's paths: each
    step in both languages, its command (if any) on the line below."""
    settings, credentials = folder / "syncd.yaml", folder / "credentials"
    syncd = f"{shlex.quote(str(executable))} --config {shlex.quote(str(settings))}"
    steps = [
        (
            "编辑设置：hospital、database.url、platform.url、platform.userid",
            "edit the settings: hospital, database.url, platform.url, platform.userid",
            str(settings),
        ),
        (
            "平台密码与数据库密码各写入一个文件（属 root，权限 0600）",
            "write the platform and the database password into a file each (root, mode 0600)",
            f"{credentials}/platform-password  {credentials}/database-password",
        ),
        (
            "检查，读取服务得到的同一凭据",
            "check, with the credentials the service gets",
            f"{syncd} check --credentials-dir {shlex.quote(str(credentials))}",
        ),
        ("建中间表", "create the staging tables", f"{syncd} init-db"),
        (
            "安装并启动服务",
            "install and start the service",
            f"install -m 0644 {shlex.quote(str(folder / 'syncd.service'))} /etc/systemd/system/ && "
            "systemctl daemon-reload && systemctl enable --now syncd",
        ),
    ]
    lines = [zh_en("下一步", "next steps") + ":"]
    for number, (zh, en, command) in enumerate(steps, start=1):
        lines += [f"  {number}. {zh_en(zh, en)}", f"       {command}"]
    return "\n".join(lines)
